// skiff-elftool: generates the manifest note of a unikernel and reads notes back from images.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "common/error.h"
#include "gen_manifest.h"
#include "query.h"

namespace {

constexpr const char* kProgram = "skiff-elftool";

int report(const std::string& message) {
    std::cerr << kProgram << ": " << message << "\n";
    return skiff::kExitOperatorError;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Generate and inspect the Solo5/skiff notes of unikernel images.", kProgram};
    app.set_version_flag("--version", std::string(kProgram) + " " + SKIFF_VERSION);
    app.require_subcommand(1);

    std::string source, output, image;
    CLI::App* gen = app.add_subcommand("gen-manifest", "Turn a JSON manifest into C source declaring its ELF note");
    gen->add_option("MANIFEST.json", source, "JSON manifest source ('-' = stdin)")->required();
    gen->add_option("OUT.c", output, "C source to write ('-' = stdout)")->required();
    CLI::App* qm = app.add_subcommand("query-manifest", "Print the manifest of a unikernel as JSON");
    qm->add_option("UNIKERNEL", image, "unikernel ELF image")->required();
    CLI::App* qa = app.add_subcommand("query-abi", "Print the ABI note of a unikernel as JSON");
    qa->add_option("UNIKERNEL", image, "unikernel ELF image")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report(std::string(e.what()) + " (run with --help for usage)");
    }

    try {
        if (gen->parsed()) {
            skiff::elftool::gen_manifest(source, output);
        } else if (qm->parsed()) {
            std::cout << skiff::elftool::query_manifest(image) << std::flush;
        } else if (qa->parsed()) {
            std::cout << skiff::elftool::query_abi(image) << std::flush;
        }
        return std::cout ? 0 : report("<stdout>: write error");
    } catch (const std::exception& e) {
        return report(e.what());
    }
}
