#include "spec.h"

#include "json_reader.h"
#include "subnets.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace skiff::test {
namespace {

using nlohmann::json;

using tools::JsonObject;

// Each pattern must compile as an ECMAScript regex.
std::vector<std::string> regexes(const JsonObject& reader, const std::string& key) {
    auto patterns = reader.strings(key);
    for (const auto& pattern : patterns) {
        try {
            std::regex compiled(pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            reader.fail(key, "invalid regex \"" + pattern + "\": " + e.what());
        }
    }
    return patterns;
}

DiskSpec parse_disk(const JsonObject& reader) {
    reader.allow_only({"name", "size", "sector_size"});
    DiskSpec disk;
    disk.name = reader.nonempty_string("name");
    disk.size = std::uint64_t(reader.integer("size", 1, std::int64_t(1) << 40));
    if (reader.has("sector_size")) disk.sector_size = std::uint32_t(reader.integer("sector_size", 1, 1 << 20));
    return disk;
}

NicSpec parse_nic(const JsonObject& reader) {
    reader.allow_only({"name", "host_ip", "mtu"});
    NicSpec nic;
    nic.name = reader.nonempty_string("name");
    if (reader.has("host_ip")) {
        nic.host_ip = reader.string("host_ip");
        if (!parse_ipv4_prefix(*nic.host_ip))
            reader.fail("host_ip", "\"" + *nic.host_ip + "\" is not an IPv4 address with prefix (a.b.c.d/n)");
    }
    if (reader.has("mtu")) nic.mtu = int(reader.integer("mtu", 68, 65535));
    return nic;
}

template <typename T, typename Parse>
std::vector<T> parse_list(const JsonObject& reader, const std::string& key, Parse parse) {
    std::vector<T> items;
    if (!reader.has(key)) return items;
    std::set<std::string> names;
    for (const JsonObject& element : reader.objects(key)) {
        T item = parse(element);
        if (!names.insert(item.name).second) reader.fail(key, "duplicate name \"" + item.name + "\"");
        items.push_back(std::move(item));
    }
    return items;
}

TestSpec parse_test(const json& value, const std::string& origin, const std::string& path) {
    // Name the test in later errors as soon as it is known.
    std::string note;
    if (value.is_object() && value.contains("name") && value["name"].is_string())
        note = " (test \"" + value["name"].get<std::string>() + "\")";
    const JsonObject named(value, origin, path, note);
    named.allow_only({"name", "image", "skiff_args", "guest_args", "exit_code", "output", "no_output", "timeout_s",
                      "disks", "nics", "bridge_nics", "host_command", "requires", "arch"});
    TestSpec test;
    test.source = value;
    test.name = named.nonempty_string("name");
    test.image = named.nonempty_string("image");
    test.exit_code = int(named.integer("exit_code", 0, 255));
    if (named.has("skiff_args")) test.skiff_args = named.strings("skiff_args");
    if (named.has("guest_args")) test.guest_args = named.strings("guest_args");
    if (named.has("output")) test.output = regexes(named, "output");
    if (named.has("no_output")) test.no_output = regexes(named, "no_output");
    if (const json* v = named.find("timeout_s")) {
        if (!v->is_number() || v->get<double>() <= 0 || v->get<double>() > 86400)
            named.fail("timeout_s", "must be a number of seconds, above 0 and at most 86400");
        test.timeout_s = v->get<double>();
    }
    test.disks = parse_list<DiskSpec>(named, "disks", parse_disk);
    test.nics = parse_list<NicSpec>(named, "nics", parse_nic);
    // The taps of one test are up at the same time: two of them in one subnet would share its route.
    for (std::size_t i = 0; i < test.nics.size(); ++i)
        for (std::size_t k = 0; k < i; ++k) {
            const NicSpec& a = test.nics[k];
            const NicSpec& b = test.nics[i];
            if (a.host_ip && b.host_ip &&
                subnets_overlap(*parse_ipv4_prefix(*a.host_ip), *parse_ipv4_prefix(*b.host_ip)))
                named.fail("nics", "the subnets of nic \"" + a.name + "\" (" + *a.host_ip + ") and nic \"" + b.name +
                                       "\" (" + *b.host_ip +
                                       ") overlap; the taps of one test are up together, so "
                                       "give each its own subnet");
        }
    if (named.has("bridge_nics")) test.bridge_nics = named.boolean("bridge_nics");
    if (test.bridge_nics) {
        for (const auto& nic : test.nics)
            if (nic.host_ip) named.fail("bridge_nics", "taps on a bridge take no host_ip (nic \"" + nic.name + "\")");
    }
    if (named.has("host_command")) test.host_command = named.nonempty_string("host_command");
    if (named.has("requires")) {
        test.requirements = named.strings("requires");
        for (const auto& need : test.requirements) {
            bool known = false;
            for (const auto& name : known_requirements) known = known || need == name;
            if (!known) named.fail("requires", "unknown capability \"" + need + "\" (known: net, bridge, sse)");
        }
    }
    if (named.has("arch")) {
        test.architectures = named.strings("arch");
        if (test.architectures.empty()) named.fail("arch", "must name at least one architecture (x86_64, aarch64)");
        for (const auto& arch : test.architectures)
            if (std::find(known_architectures.begin(), known_architectures.end(), arch) == known_architectures.end())
                named.fail("arch", "unknown architecture \"" + arch + "\" (known: x86_64, aarch64)");
    }
    return test;
}

}  // namespace

Suite parse_suite(std::string_view text, const std::string& origin) {
    const json document = tools::parse_json_strictly(text, origin, /*comments=*/true);
    const JsonObject top(document, origin, ".");
    top.allow_only({"version", "tests"});
    if (top.integer("version", 0, 1000) != 1)
        top.fail("version", "unsupported version " + document["version"].dump() + " (this skiff-test reads 1)");
    const json& tests = top.require("tests");
    if (!tests.is_array()) top.fail("tests", "must be an array of objects");
    Suite suite;
    std::set<std::string> names;
    for (std::size_t i = 0; i < tests.size(); ++i) {
        const std::string path = ".tests[" + std::to_string(i) + "]";
        TestSpec test = parse_test(tests[i], origin, path);
        if (!names.insert(test.name).second) {
            std::string message = origin;
            message += ": " + path;
            message += ".name: duplicate test name \"";
            message += test.name + "\"";
            throw SpecError(message);
        }
        suite.tests.push_back(std::move(test));
    }
    return suite;
}

Suite load_suite(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw SpecError(file.string() + ": cannot open the expectations file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_suite(text.str(), file.string());
}

Suite filter_suite(const Suite& suite, const std::string& pattern) {
    std::regex wanted;
    try {
        wanted = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw SpecError("--filter: invalid regex \"" + pattern + "\": " + e.what());
    }
    Suite kept;
    for (const auto& test : suite.tests)
        if (std::regex_search(test.name, wanted)) kept.tests.push_back(test);
    if (kept.tests.empty()) {
        // Most likely a typo: say which names there are to match.
        constexpr std::size_t shown = 5;
        std::string names;
        for (std::size_t i = 0; i < suite.tests.size() && i < shown; ++i)
            names += (i ? ", " : "") + suite.tests[i].name;
        if (suite.tests.size() > shown) names += ", ... (" + std::to_string(suite.tests.size()) + " in all)";
        throw SpecError("--filter \"" + pattern + "\" matches no test name" +
                        (suite.tests.empty() ? std::string(" (the file has no tests)") : "; the tests are: " + names));
    }
    return kept;
}

ArchSplit leave_out_other_architectures(const Suite& suite, const std::string& arch) {
    ArchSplit split;
    for (const auto& test : suite.tests) {
        const auto& wanted = test.architectures;
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), arch) == wanted.end())
            ++split.left_out;
        else
            split.kept.tests.push_back(test);
    }
    return split;
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string address(text.substr(0, slash));
    std::string_view length = text.substr(slash + 1);
    if (length.empty() || length.size() > 2) return std::nullopt;
    int prefix = 0;
    for (char c : length) {
        if (c < '0' || c > '9') return std::nullopt;
        prefix = prefix * 10 + (c - '0');
    }
    in_addr parsed{};
    if (prefix > 32 || inet_pton(AF_INET, address.c_str(), &parsed) != 1) return std::nullopt;
    return Ipv4Prefix{ntohl(parsed.s_addr), prefix};
}

}  // namespace skiff::test
