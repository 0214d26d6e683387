// JSON parsing for headers and indexes we must not misread: nlohmann keeps one of two equal keys
// silently, so a file whose header names a tensor twice could show different tensors to
// different readers. This parser refuses duplicate keys at any depth and keeps key order.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ckpt {

// Throws Error(kBadInput) "<file>: <what> is not valid JSON (parse error at byte B)" or
// "<file>: <what> has duplicate key 'K'". `what` is e.g. "safetensors header".
nlohmann::ordered_json parse_strict_json(const std::string& file, std::string_view text,
                                         const std::string& what);

}  // namespace ckpt
