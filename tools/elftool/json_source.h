// Reading a JSON document strictly: a syntax error or a key given twice in one object is an error
// naming where it is, instead of nlohmann's default of "last key wins".
#pragma once

#include <istream>
#include <string>

#include <nlohmann/json.hpp>

namespace skiff::elftool {

// Parses `in` (named `source` in messages). Throws UsageError "SOURCE: WHERE: problem".
nlohmann::json parse_json_strictly(std::istream& in, const std::string& source);

}  // namespace skiff::elftool
