#include "json_source.h"

#include <set>
#include <vector>

#include "common/error.h"

namespace skiff::elftool {
namespace {

using json = nlohmann::json;

// Tracks the path of the value being parsed (".devices[2].name") from nlohmann's parse events.
class PathTracker {
  public:
    // Returns false on a duplicate key: `path()` then names it.
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

json parse_json_strictly(std::istream& in, const std::string& source) {
    PathTracker tracker;
    auto callback = [&tracker](int, json::parse_event_t event, json& parsed) {
        if (!tracker.on_event(event, parsed)) throw DuplicateKey{tracker.path()};
        return true;
    };
    try {
        return json::parse(in, callback);
    } catch (const DuplicateKey& dup) {
        throw UsageError(source + ": " + dup.path + ": key given more than once");
    } catch (const json::parse_error& e) {
        throw UsageError(source + ": " + syntax_message(e));
    }
}

}  // namespace skiff::elftool
