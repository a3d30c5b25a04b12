#include "spec.h"

#include <arpa/inet.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace skiff::test {
namespace {

using nlohmann::json;

// Reads the fields of one JSON object, naming the object in every error.
class ObjectReader {
  public:
    ObjectReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
        if (!object_.is_object()) fail("must be an object");
    }

    [[noreturn]] void fail(const std::string& problem) const { throw SpecError(where_ + ": " + problem); }
    [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
        throw SpecError(where_ + ": " + key + ": " + problem);
    }

    // Every key present must be one of `allowed`.
    void allow_only(std::initializer_list<std::string_view> allowed) const {
        for (const auto& [key, value] : object_.items()) {
            bool known = false;
            for (auto name : allowed) known = known || key == name;
            if (!known) fail("unknown key \"" + key + "\"");
        }
    }

    const json* find(const std::string& key) const {
        auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }
    const json& require(const std::string& key) const {
        const json* value = find(key);
        if (!value) fail(key, "missing (required)");
        return *value;
    }

    std::string string(const std::string& key, const json& value) const {
        if (!value.is_string()) fail(key, "must be a string");
        return value.get<std::string>();
    }
    std::string nonempty_string(const std::string& key, const json& value) const {
        std::string text = string(key, value);
        if (text.empty()) fail(key, "must not be empty");
        return text;
    }
    std::int64_t integer(const std::string& key, const json& value, std::int64_t low, std::int64_t high) const {
        bool in_range = value.is_number_integer() && value.get<std::int64_t>() >= low &&
                        !(value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(high)) &&
                        value.get<std::int64_t>() <= high;
        if (!in_range) fail(key, "must be an integer " + std::to_string(low) + ".." + std::to_string(high));
        return value.get<std::int64_t>();
    }
    std::vector<std::string> strings(const std::string& key, const json& value) const {
        if (!value.is_array()) fail(key, "must be an array of strings");
        std::vector<std::string> result;
        for (const auto& item : value) {
            if (!item.is_string()) fail(key, "must be an array of strings");
            result.push_back(item.get<std::string>());
        }
        return result;
    }
    std::vector<std::string> regexes(const std::string& key, const json& value) const {
        auto patterns = strings(key, value);
        for (const auto& pattern : patterns) {
            try {
                std::regex compiled(pattern, std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                fail(key, "invalid regex \"" + pattern + "\": " + e.what());
            }
        }
        return patterns;
    }
    const std::string& where() const { return where_; }

  private:
    const json& object_;
    std::string where_;
};

DiskSpec parse_disk(const json& value, const std::string& where) {
    ObjectReader reader(value, where);
    reader.allow_only({"name", "size", "sector_size"});
    DiskSpec disk;
    disk.name = reader.nonempty_string("name", reader.require("name"));
    disk.size = std::uint64_t(reader.integer("size", reader.require("size"), 1, std::int64_t(1) << 40));
    if (const json* sector = reader.find("sector_size"))
        disk.sector_size = std::uint32_t(reader.integer("sector_size", *sector, 1, std::int64_t(1) << 20));
    return disk;
}

NicSpec parse_nic(const json& value, const std::string& where) {
    ObjectReader reader(value, where);
    reader.allow_only({"name", "host_ip", "mtu"});
    NicSpec nic;
    nic.name = reader.nonempty_string("name", reader.require("name"));
    if (const json* ip = reader.find("host_ip")) {
        nic.host_ip = reader.string("host_ip", *ip);
        if (!parse_ipv4_prefix(*nic.host_ip))
            reader.fail("host_ip", "\"" + *nic.host_ip + "\" is not an IPv4 address with prefix (a.b.c.d/n)");
    }
    if (const json* mtu = reader.find("mtu")) nic.mtu = int(reader.integer("mtu", *mtu, 68, 65535));
    return nic;
}

template <typename T, typename Parse>
std::vector<T> parse_list(const ObjectReader& reader, const std::string& key, Parse parse) {
    std::vector<T> items;
    const json* list = reader.find(key);
    if (!list) return items;
    if (!list->is_array()) reader.fail(key, "must be an array of objects");
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
        T item = parse((*list)[i], reader.where() + ": " + key + "[" + std::to_string(i) + "]");
        if (!names.insert(item.name).second) reader.fail(key, "duplicate name \"" + item.name + "\"");
        items.push_back(std::move(item));
    }
    return items;
}

TestSpec parse_test(const json& value, const std::string& where) {
    if (!value.is_object()) throw SpecError(where + ": must be an object");
    // Name the test in later errors as soon as it is known.
    std::string named_where = where;
    if (value.contains("name") && value["name"].is_string())
        named_where += " (\"" + value["name"].get<std::string>() + "\")";
    ObjectReader named(value, named_where);
    named.allow_only({"name", "image", "skiff_args", "guest_args", "exit_code", "output", "no_output", "timeout_s",
                      "disks", "nics", "bridge_nics", "host_command", "requires"});
    TestSpec test;
    test.source = value;
    test.name = named.nonempty_string("name", named.require("name"));
    test.image = named.nonempty_string("image", named.require("image"));
    test.exit_code = int(named.integer("exit_code", named.require("exit_code"), 0, 255));
    if (const json* v = named.find("skiff_args")) test.skiff_args = named.strings("skiff_args", *v);
    if (const json* v = named.find("guest_args")) test.guest_args = named.strings("guest_args", *v);
    if (const json* v = named.find("output")) test.output = named.regexes("output", *v);
    if (const json* v = named.find("no_output")) test.no_output = named.regexes("no_output", *v);
    if (const json* v = named.find("timeout_s")) {
        if (!v->is_number() || v->get<double>() <= 0 || v->get<double>() > 86400)
            named.fail("timeout_s", "must be a number of seconds, above 0 and at most 86400");
        test.timeout_s = v->get<double>();
    }
    test.disks = parse_list<DiskSpec>(named, "disks", parse_disk);
    test.nics = parse_list<NicSpec>(named, "nics", parse_nic);
    if (const json* v = named.find("bridge_nics")) {
        if (!v->is_boolean()) named.fail("bridge_nics", "must be true or false");
        test.bridge_nics = v->get<bool>();
    }
    if (test.bridge_nics) {
        for (const auto& nic : test.nics)
            if (nic.host_ip) named.fail("bridge_nics", "taps on a bridge take no host_ip (nic \"" + nic.name + "\")");
    }
    if (const json* v = named.find("host_command")) test.host_command = named.nonempty_string("host_command", *v);
    if (const json* v = named.find("requires")) {
        test.requirements = named.strings("requires", *v);
        for (const auto& need : test.requirements) {
            bool known = false;
            for (const auto& name : known_requirements) known = known || need == name;
            if (!known) named.fail("requires", "unknown capability \"" + need + "\" (known: net, bridge, sse)");
        }
    }
    return test;
}

}  // namespace

Suite parse_suite(std::string_view text, const std::string& origin) {
    json document;
    try {
        document = json::parse(text, nullptr, true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
        throw SpecError(origin + ": not valid JSON: " + e.what());
    }
    ObjectReader top(document, origin);
    top.allow_only({"version", "tests"});
    if (top.integer("version", top.require("version"), 0, 1000) != 1)
        top.fail("version", "unsupported version " + document["version"].dump() + " (this skiff-test reads 1)");
    const json& tests = top.require("tests");
    if (!tests.is_array()) top.fail("tests", "must be an array of objects");
    Suite suite;
    std::set<std::string> names;
    for (std::size_t i = 0; i < tests.size(); ++i) {
        TestSpec test = parse_test(tests[i], origin + ": tests[" + std::to_string(i) + "]");
        if (!names.insert(test.name).second)
            throw SpecError(origin + ": tests[" + std::to_string(i) + "]: name: duplicate test name \"" + test.name +
                            "\"");
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
    return kept;
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
