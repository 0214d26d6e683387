// Fuzz target: parse_strict_json, the JSON parser of every header and index we read. Any input
// must end in a value or a ckpt::Error. When it parses, the member keys it reports must be
// exactly the keys of that member object (each once), and the value must survive a dump.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/strict_json.h"
#include "io/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> keys;
  try {
    const nlohmann::json j = parse_strict_json("fuzz.json", text, "input", "weight_map", &keys);
    const std::set<std::string> distinct(keys.begin(), keys.end());
    if (distinct.size() != keys.size()) __builtin_trap();  // duplicates must have been refused
    if (j.is_object() && j.contains("weight_map") && j["weight_map"].is_object()) {
      if (keys.size() != j["weight_map"].size()) __builtin_trap();
      for (const std::string& k : keys) {
        if (!j["weight_map"].contains(k)) __builtin_trap();
      }
    }
    (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const Error&) {
  }
  return 0;
}
