#include "formats/strict_json.h"

#include <set>
#include <vector>

#include "io/error.h"

namespace ckpt {

nlohmann::ordered_json parse_strict_json(const std::string& file, std::string_view text,
                                         const std::string& what) {
  using Json = nlohmann::ordered_json;
  std::vector<std::set<std::string>> open_objects;  // keys seen so far, per enclosing object
  std::string duplicate;
  bool has_duplicate = false;
  auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && !has_duplicate) {
        has_duplicate = true;
        duplicate = key;
      }
    }
    return true;
  };
  Json value;
  try {
    value = Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::parse_error& e) {
    throw_bad_input(
        file, what + " is not valid JSON (parse error at byte " + std::to_string(e.byte) + ")");
  }
  if (has_duplicate) throw_bad_input(file, what + " has duplicate key '" + duplicate + "'");
  return value;
}

}  // namespace ckpt
