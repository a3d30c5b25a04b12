#include "cli/options.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "common/error.h"
#include "skiff/abi/note.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.0.0"
#endif

namespace skiff {
namespace {

constexpr const char* kMemHelp =
    "Guest memory in MiB (default 512, at most 4096): rounded down to a multiple of 2 MiB, and 1 gives 2 MiB";
#if defined(__aarch64__)
constexpr const char* kCpuModelHelp =
    "The CPU the guest sees: minimal (default) or host; on aarch64 both are KVM's preferred vCPU with "
    "no optional feature";
#else
constexpr const char* kCpuModelHelp =
    "The CPU the guest sees: minimal (default: what a unikernel needs, MSRs filtered), or host "
    "(debugging only: every feature KVM offers, nested virtualization included; weakens the sandbox)";
#endif

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
    explicit UsageFormatter(std::string program) : program_(std::move(program)) {}
    std::string make_usage(const CLI::App*, std::string) const override {
        return "Usage: " + program_ + " [OPTIONS] UNIKERNEL [--] [GUEST ARGS...]\n";
    }

  private:
    std::string program_;
};

// The name skiff was started as: "solo5-hvt" (or "solo5-hvt.2") when installed as the drop-in for
// Solo5's tender, where orchestrators look for it (docs/orchestration.md); else "skiff".
std::string program_name(const char* argv0) {
    const std::string name = std::filesystem::path(argv0 ? argv0 : "skiff").filename().string();
    return name.starts_with("solo5-hvt") ? name : "skiff";
}

// skiff's own line, then the one Solo5's tenders print and orchestrators (Albatross) look for.
std::string version_text(const std::string& program) {
    std::string text = std::string("skiff ") + SKIFF_VERSION + " (guest ABI: Solo5 hvt version " +
                       std::to_string(SKIFF_ABI_VERSION) + ")";
    if (program != "skiff") text += ", installed as " + program;
    return text + "\nABI version " + std::to_string(SKIFF_ABI_VERSION);
}

// The command line in two: the options (for CLI11, with --FLAG:NAME=VALUE split into --FLAG
// NAME=VALUE for every device flag), and the operands from the unikernel on, verbatim: CLI11 would
// drop empty guest arguments, which Solo5 keeps.
struct SplitArguments {
    std::vector<std::string> options;
    std::vector<std::string> operands;
};

SplitArguments split_arguments(int argc, const char* const* argv, const std::map<std::string, bool>& device_flags,
                               const std::set<std::string>& takes_value) {
    SplitArguments split;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.empty() || a[0] != '-') break;
        const size_t colon = a.find(':');
        if (a.starts_with("--") && colon != std::string::npos && a.find('=') > colon) {
            const std::string flag = a.substr(2, colon - 2);
            if (!device_flags.contains(flag))
                throw UsageError("unknown option " + a.substr(0, a.find('=')) + " (see --help)");
            split.options.push_back("--" + flag);
            split.options.push_back(a.substr(colon + 1));
            continue;
        }
        split.options.push_back(a);
        if (takes_value.contains(a) && i + 1 < argc) split.options.push_back(argv[++i]);  // --mem 32
    }
    for (; i < argc; ++i) split.operands.push_back(argv[i]);
    return split;
}

// --mem's value: a whole number of MiB, 1 to 4096 (1 gives the smallest memory, 2 MiB).
int parse_mem(const std::string& text) {
    const bool digits = !text.empty() && text.size() <= 4 && text.find_first_not_of("0123456789") == std::string::npos;
    const int mib = digits ? std::stoi(text) : 0;
    if (mib < 1 || mib > 4096)
        throw UsageError("--mem=" + text + ": guest memory is a whole number of MiB from 1 to 4096 (default 512)");
    return mib;
}

ModuleOption split_binding(const std::string& flag, const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw UsageError("--" + flag + ":" + text + ": expected --" + flag + ":NAME=VALUE");
    return ModuleOption{flag, text.substr(0, eq), text.substr(eq + 1)};
}

// --FLAG:NAME for a device option without a value (a switch such as --block-readonly:NAME).
ModuleOption device_switch(const std::string& flag, const std::string& text) {
    if (text.empty() || text.find('=') != std::string::npos)
        throw UsageError("--" + flag + ":" + text + ": expected --" + flag + ":NAME (it takes no value)");
    return ModuleOption{flag, text, ""};
}

}  // namespace

std::optional<Options> parse_command_line(int argc, const char* const* argv, const ModuleList& modules) {
    Options options;
    const std::string program = program_name(argc > 0 ? argv[0] : nullptr);

    // Every module option, with the module's name for its help group: asked of each module once.
    std::vector<std::pair<std::string, OptionSpec>> specs;
    for (const auto& m : modules)
        for (OptionSpec& o : m->options()) specs.emplace_back(std::string(m->name()) + " module", std::move(o));

    std::map<std::string, bool> flags;  // the device flags, which split_arguments() splits
    std::set<std::string> takes_value{"--mem", "--cpu"};
    for (const auto& [group, o] : specs) {
        if (o.per_device || !o.metavar.empty()) takes_value.insert("--" + o.flag);
        if (o.per_device) flags[o.flag] = true;
    }
    SplitArguments split = split_arguments(argc, argv, flags, takes_value);

    // CLI11 checks every option it is given against all the others, and building one costs more
    // than parsing: it is given the options that the command line names (all of them for --help).
    // Parsing, errors and help are the same; an option not named has nothing to parse.
    std::set<std::string> named;
    for (const std::string& a : split.options)
        if (a.starts_with('-')) named.insert(a.substr(0, a.find('=')));
    const bool help = named.contains("-h") || named.contains("--help");
    auto wanted = [&](const std::string& flag) { return help || named.contains(flag); };

    CLI::App app{"skiff: runs a unikernel on KVM, serving exactly the devices its manifest declares.", program};
    if (help) {
        app.formatter(std::make_shared<UsageFormatter>(program));
        app.footer(footer(modules));
    }
    if (wanted("--version")) app.set_version_flag("--version", version_text(program));
    if (wanted("--mem"))
        app.add_option_function<std::string>(
               "--mem", [&options](const std::string& text) { options.mem_mib = parse_mem(text); }, kMemHelp)
            ->type_name("MiB");
    if (wanted("--cpu"))
        app.add_option_function<std::string>(
               "--cpu",
               [&options](const std::string& model) {
                   if (model != "minimal" && model != "host")
                       throw UsageError("--cpu=" + model + ": the guest CPU is 'minimal' (default) or 'host'");
                   options.host_cpu = model == "host";
               },
               kCpuModelHelp)
            ->type_name("MODEL");
    if (wanted("--dump-manifest"))
        app.add_flag("--dump-manifest", options.dump_manifest, "Print the devices the unikernel declares and exit");
    if (wanted("--no-sandbox"))
        app.add_flag_callback(
            "--no-sandbox", [&options] { options.sandbox = false; },
            "Debugging only: run the guest without the seccomp sandbox");

    std::map<std::string, std::vector<std::string>> values;
    for (const auto& [group, o] : specs) {
        if (!wanted("--" + o.flag)) continue;
        if (o.per_device) {
            const std::string form = o.metavar.empty() ? "NAME" : "NAME=" + o.metavar;
            app.add_option("--" + o.flag, values[o.flag], o.help + " (--" + o.flag + ":" + form + ")")
                ->type_name(form)
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

    std::reverse(split.options.begin(), split.options.end());
    try {
        app.parse(split.options);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return std::nullopt;
    } catch (const CLI::CallForVersion&) {
        std::cout << app.version() << "\n";
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw UsageError(std::string(e.what()) + " (see --help)");
    }

    if (const std::vector<std::string> unknown = app.remaining(); !unknown.empty())
        throw UsageError("unknown option " + unknown.front() + " (see --help)");
    const std::vector<std::string>& rest = split.operands;
    if (rest.empty()) throw UsageError("missing UNIKERNEL operand (see --help)");
    options.unikernel = rest.front();
    options.guest_args.assign(rest.begin() + 1, rest.end());
    if (!options.guest_args.empty() && options.guest_args.front() == "--")
        options.guest_args.erase(options.guest_args.begin());

    for (const auto& [group, o] : specs)
        for (const std::string& v : values[o.flag])
            options.module_options.push_back(o.metavar.empty() ? device_switch(o.flag, v) : split_binding(o.flag, v));
    return options;
}

std::string guest_command_line(const Options& options) {
    // One space between every two arguments, empty ones too, as Solo5 joins them: the older urunc
    // passes `KERNEL "" "" WORDS`, and the guest sees "  WORDS".
    std::string line;
    for (size_t i = 0; i < options.guest_args.size(); ++i) {
        if (i > 0) line += ' ';
        line += options.guest_args[i];
    }
    return line;
}

}  // namespace skiff
