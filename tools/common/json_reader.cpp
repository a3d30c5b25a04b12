#include "json_reader.h"

#include <algorithm>
#include <set>

namespace skiff::tools {
namespace {

// Tracks the path of the value being parsed (".devices[2].name") from nlohmann's parse events.
class PathTracker {
  public:
    // Returns false on a duplicate key: path() then names it.
    bool on_event(json::parse_event_t event, const json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start: frames_.push_back(Frame{false, 0, {}, {}}); break;
            case json::parse_event_t::array_start: frames_.push_back(Frame{true, 0, {}, {}}); break;
            case json::parse_event_t::key:
                frames_.back().key = parsed.get<std::string>();
                return frames_.back().keys.insert(frames_.back().key).second;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                frames_.pop_back();
                element_done();
                break;
            case json::parse_event_t::value: element_done(); break;
        }
        return true;
    }

    std::string path() const {
        std::string p;
        for (const Frame& f : frames_) p += f.array ? "[" + std::to_string(f.count) + "]" : "." + f.key;
        return p;
    }

  private:
    struct Frame {
        bool array;
        size_t count;     // elements completed so far (arrays)
        std::string key;  // key being parsed (objects)
        std::set<std::string> keys;
    };

    void element_done() {
        if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
    }

    std::vector<Frame> frames_;
};

struct DuplicateKey {
    std::string path;
};

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the
// prefix, on one line.
std::string syntax_message(const json::parse_error& e) {
    std::string what = e.what();
    const std::string marker = "parse error at ";
    if (auto pos = what.find(marker); pos != std::string::npos) what = what.substr(pos + marker.size());
    for (char& c : what)
        if (c == '\n' || c == '\r') c = ' ';
    return what;
}

}  // namespace

json parse_json_strictly(std::string_view text, const std::string& source, bool comments) {
    PathTracker tracker;
    auto callback = [&tracker](int, json::parse_event_t event, json& parsed) {
        if (!tracker.on_event(event, parsed)) throw DuplicateKey{tracker.path()};
        return true;
    };
    try {
        return json::parse(text, callback, true, comments);
    } catch (const DuplicateKey& dup) {
        throw JsonInputError(source + ": " + dup.path + ": key given more than once");
    } catch (const json::parse_error& e) {
        throw JsonInputError(source + ": not valid JSON: " + syntax_message(e));
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment over three rows of the usual table.
    std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitution});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], before[j - 2] + 1);
        }
        before.swap(previous);
        previous.swap(current);
    }
    return previous[b.size()];
}

std::optional<std::string> closest_key(std::string_view key, std::initializer_list<std::string_view> known) {
    const std::size_t limit = key.size() <= 2 ? 0 : key.size() <= 4 ? 1 : 2;
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    bool tie = false;
    for (auto candidate : known) {
        const std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best = std::string(candidate);
            best_distance = distance;
            tie = false;
        } else if (distance == best_distance) {
            tie = true;
        }
    }
    if (tie || best_distance > limit) return std::nullopt;
    return best;
}

JsonObject::JsonObject(const json& object, std::string source, std::string path, std::string note)
    : object_(object), source_(std::move(source)), path_(std::move(path)), note_(std::move(note)) {
    if (!object_.is_object()) fail("must be an object");
}

void JsonObject::fail(const std::string& problem) const {
    throw JsonInputError(source_ + ": " + path_ + ": " + problem + note_);
}

void JsonObject::fail(const std::string& key, const std::string& problem) const {
    throw JsonInputError(source_ + ": " + path_of(key) + ": " + problem + note_);
}

std::string JsonObject::path_of(const std::string& key) const {
    return (path_ == "." ? "" : path_) + "." + key;
}

void JsonObject::allow_only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : object_.items()) {
        bool known = false;
        for (auto name : allowed) known = known || key == name;
        if (known) continue;
        if (auto guess = closest_key(key, allowed)) fail(key, "unknown key, did you mean \"" + *guess + "\"?");
        fail(key, "unknown key");
    }
}

void JsonObject::require_exactly(std::initializer_list<std::string_view> keys) const {
    allow_only(keys);
    for (auto key : keys) require(std::string(key));
}

const json* JsonObject::find(const std::string& key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
}

const json& JsonObject::require(const std::string& key) const {
    const json* value = find(key);
    if (!value) fail(key, "missing required key");
    return *value;
}

std::string JsonObject::string(const std::string& key) const {
    const json& value = require(key);
    if (!value.is_string()) fail(key, "must be a string");
    return value.get<std::string>();
}

std::string JsonObject::nonempty_string(const std::string& key) const {
    std::string text = string(key);
    if (text.empty()) fail(key, "must not be empty");
    return text;
}

std::int64_t JsonObject::integer(const std::string& key, std::int64_t low, std::int64_t high) const {
    const json& value = require(key);
    const bool in_range = value.is_number_integer() &&
                          !(value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(high)) &&
                          value.get<std::int64_t>() >= low && value.get<std::int64_t>() <= high;
    if (!in_range) fail(key, "must be an integer " + std::to_string(low) + ".." + std::to_string(high));
    return value.get<std::int64_t>();
}

bool JsonObject::boolean(const std::string& key) const {
    const json& value = require(key);
    if (!value.is_boolean()) fail(key, "must be true or false");
    return value.get<bool>();
}

std::vector<std::string> JsonObject::strings(const std::string& key) const {
    const json& value = require(key);
    if (!value.is_array()) fail(key, "must be an array of strings");
    std::vector<std::string> result;
    for (const auto& item : value) {
        if (!item.is_string()) fail(key, "must be an array of strings");
        result.push_back(item.get<std::string>());
    }
    return result;
}

std::vector<JsonObject> JsonObject::objects(const std::string& key) const {
    const json& list = require(key);
    if (!list.is_array()) fail(key, "must be an array of objects");
    std::vector<JsonObject> result;
    for (std::size_t i = 0; i < list.size(); ++i)
        result.emplace_back(list[i], source_, path_of(key) + "[" + std::to_string(i) + "]", note_);
    return result;
}

}  // namespace skiff::tools
