#include "cli/options.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "common/error.h"
#include "skiff/abi/note.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.0.0"
#endif

namespace skiff {
namespace {

std::string footer(const ModuleList& modules) {
    std::string text =
        "Device options are written --FLAG:NAME=VALUE (or --FLAG NAME=VALUE); NAME is a device the\n"
        "unikernel's manifest declares, and every declared device must be bound.\n\nModules compiled in:";
    for (const auto& m : modules) text += std::string(" ") + m->name();
    if (modules.empty()) text += " (none)";
    text +=
        "\n\nExit status:\n"
        "  0-255  the guest's own exit status (255: the guest aborted)\n"
        "  1      operator error: bad option, bad image, device set-up failed (one line on stderr)\n"
        "  253    guest fault: the guest broke the ABI and was terminated (registers on stderr)\n"
        "  254    host error under a running guest (KVM or device I/O failed)\n";
    return text;
}

// CLI11 does not know the image and guest arguments are positional (they are left unparsed on purpose).
class UsageFormatter : public CLI::Formatter {
  public:
    std::string make_usage(const CLI::App*, std::string) const override {
        return "Usage: skiff [OPTIONS] UNIKERNEL [--] [GUEST ARGS...]\n";
    }
};

// Splits --FLAG:NAME=VALUE into --FLAG NAME=VALUE for every device flag, up to the unikernel operand.
std::vector<std::string> normalize(int argc, const char* const* argv, const std::map<std::string, bool>& flags) {
    std::vector<std::string> args;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (options_done || a == "--" || a.empty() || a[0] != '-') {
            options_done = true;
            args.push_back(a);
            continue;
        }
        const size_t colon = a.find(':');
        if (a.starts_with("--") && colon != std::string::npos && a.find('=') > colon) {
            const std::string flag = a.substr(2, colon - 2);
            if (!flags.contains(flag)) throw UsageError("unknown option " + a.substr(0, a.find('=')) + " (see --help)");
            args.push_back("--" + flag);
            args.push_back(a.substr(colon + 1));
            continue;
        }
        args.push_back(a);
    }
    return args;
}

ModuleOption split_binding(const std::string& flag, const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw UsageError("--" + flag + ":" + text + ": expected --" + flag + ":NAME=VALUE");
    return ModuleOption{flag, text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace

std::optional<Options> parse_command_line(int argc, const char* const* argv, const ModuleList& modules) {
    Options options;
    CLI::App app{"skiff: runs a unikernel on KVM, serving exactly the devices its manifest declares.", "skiff"};
    app.formatter(std::make_shared<UsageFormatter>());
    app.footer(footer(modules));
    app.set_version_flag("--version", std::string("skiff ") + SKIFF_VERSION + " (guest ABI: Solo5 hvt version " +
                                          std::to_string(SKIFF_ABI_VERSION) + ")");
    app.add_option("--mem", options.mem_mib, "Guest memory in MiB, rounded down to 2 MiB (default 512, at most 4096)")
        ->check(CLI::Range(1, 4096));
    app.add_flag("--dump-manifest", options.dump_manifest, "Print the devices the unikernel declares and exit");
    app.add_flag_callback(
        "--no-sandbox", [&options] { options.sandbox = false; },
        "Debugging only: run the guest without the seccomp sandbox");

    std::map<std::string, bool> flags;  // the device flags, which normalize() splits
    std::map<std::string, std::vector<std::string>> values;
    for (const auto& m : modules)
        for (const OptionSpec& o : m->options()) {
            const std::string group = std::string(m->name()) + " module";
            if (o.per_device) {
                flags[o.flag] = true;
                app.add_option("--" + o.flag, values[o.flag], o.help + " (--" + o.flag + ":NAME=" + o.metavar + ")")
                    ->type_name("NAME=" + o.metavar)
                    ->allow_extra_args(false)
                    ->group(group);
            } else if (o.metavar.empty()) {
                app.add_flag_callback(
                       "--" + o.flag,
                       [&options, flag = o.flag] {
                           options.module_options.push_back({flag, "", ""});
                       },
                       o.help)
                    ->group(group);
            } else {
                app.add_option_function<std::string>(
                       "--" + o.flag,
                       [&options, flag = o.flag](const std::string& v) {
                           options.module_options.push_back({flag, "", v});
                       },
                       o.help)
                    ->type_name(o.metavar)
                    ->allow_extra_args(false)
                    ->group(group);
            }
        }
    app.prefix_command();

    std::vector<std::string> args = normalize(argc, argv, flags);
    std::reverse(args.begin(), args.end());
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return std::nullopt;
    } catch (const CLI::CallForVersion&) {
        std::cout << app.version() << "\n";
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw UsageError(std::string(e.what()) + " (see --help)");
    }

    std::vector<std::string> rest = app.remaining();
    if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
    if (rest.empty()) throw UsageError("missing UNIKERNEL operand (see --help)");
    if (rest.front().starts_with("-")) throw UsageError("unknown option " + rest.front() + " (see --help)");
    options.unikernel = rest.front();
    options.guest_args.assign(rest.begin() + 1, rest.end());
    if (!options.guest_args.empty() && options.guest_args.front() == "--")
        options.guest_args.erase(options.guest_args.begin());

    for (const auto& m : modules)
        for (const OptionSpec& o : m->options())
            for (const std::string& v : values[o.flag]) options.module_options.push_back(split_binding(o.flag, v));
    return options;
}

std::string guest_command_line(const Options& options) {
    std::string line;
    for (const std::string& a : options.guest_args) {
        if (!line.empty()) line += ' ';
        line += a;
    }
    return line;
}

}  // namespace skiff
