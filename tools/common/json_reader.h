// Reading JSON input strictly, the one way skiff's tools do it (skiff-elftool's manifest source,
// skiff-test's expectations): a syntax error, a key given twice, an unknown key, a missing key or a
// value of the wrong type is an error naming the input and the JSON path of the problem:
//   "manifest.json: .devices[0].name: must be a string"
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace skiff::tools {

using json = nlohmann::json;

class JsonInputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Parses `text`, named `source` in errors; // and /* */ comments only when `comments` is true.
json parse_json_strictly(std::string_view text, const std::string& source, bool comments = false);

// The edit distance between `a` and `b`: insertions, deletions, substitutions and transpositions of
// adjacent characters, each counting 1 ("outptu" is 1 from "output").
std::size_t edit_distance(std::string_view a, std::string_view b);

// The one of `known` closest to `key`, if it is close enough to be a typo of it: at most 1 edit for
// keys of up to 4 characters, at most 2 for longer ones, and no tie with another known key.
std::optional<std::string> closest_key(std::string_view key, std::initializer_list<std::string_view> known);

// The fields of one JSON object at `path` (".", ".tests[0]") of input `source`. `note` follows every
// error about it (e.g. which test it is).
class JsonObject {
  public:
    JsonObject(const json& object, std::string source, std::string path, std::string note = "");

    [[noreturn]] void fail(const std::string& problem) const;
    [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
    // ".tests[0].name"
    std::string path_of(const std::string& key) const;

    // Every key present must be one of `allowed`; an unknown one that looks like a typo of one of
    // them is answered with it: ".tests[2].disk: unknown key, did you mean \"disks\"?".
    void allow_only(std::initializer_list<std::string_view> allowed) const;
    // Exactly these keys, all of them.
    void require_exactly(std::initializer_list<std::string_view> keys) const;

    const json* find(const std::string& key) const;
    const json& require(const std::string& key) const;
    bool has(const std::string& key) const { return find(key) != nullptr; }

    // Typed values of keys that are present (require() them first when they must be).
    std::string string(const std::string& key) const;
    std::string nonempty_string(const std::string& key) const;
    std::int64_t integer(const std::string& key, std::int64_t low, std::int64_t high) const;
    bool boolean(const std::string& key) const;
    std::vector<std::string> strings(const std::string& key) const;
    // The array at `key`; each element an object read at ".key[i]".
    std::vector<JsonObject> objects(const std::string& key) const;

    const json& value() const { return object_; }
    const std::string& source() const { return source_; }

  private:
    const json& object_;
    std::string source_;
    std::string path_;
    std::string note_;
};

}  // namespace skiff::tools
