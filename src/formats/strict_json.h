// JSON parsing for headers and indexes we must not misread. nlohmann keeps one of two equal keys
// silently, so a file naming a tensor twice could show different tensors to different readers:
// this parser refuses duplicate keys at any depth. It also refuses nesting deeper than 64
// levels (hostile input must not exhaust the stack) and stays O(n log n) in the number of keys.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt {

inline constexpr int kMaxJsonDepth = 64;

// Throws Error(kBadInput) naming `file`: "<what> is not valid JSON (parse error at offset B)",
// "<what> has duplicate key 'K'", "<what> nests deeper than 64 levels (at offset B)". `what` is
// e.g. "safetensors header". Objects are std::map based (sorted keys); when `member_keys` is
// given it receives, in file order, the keys of the top-level member object named `member`.
nlohmann::json parse_strict_json(const std::string& file, std::string_view text,
                                 const std::string& what, const std::string& member = "",
                                 std::vector<std::string>* member_keys = nullptr);

}  // namespace ckpt
