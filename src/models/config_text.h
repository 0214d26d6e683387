// Reading the small text files that describe a model (config.json, params.yaml): size-capped,
// and config.json through the strict JSON parser (depth-capped, duplicate keys refused).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace ckpt {

inline constexpr uint64_t kMaxConfigBytes = 16u << 20;

// The whole file. Throws Error(kBadInput) naming `path`: `missing` when it cannot be opened,
// "larger than 16 MiB" when it is.
std::string read_config_text(const std::string& path, const std::string& missing);

// config.json as a JSON object. Throws Error(kBadInput) naming `path`.
nlohmann::json parse_config_json(const std::string& text, const std::string& path);

// A JSON value for an error message: numbers, booleans and null as written, strings quoted
// (escaped, capped), arrays and objects by kind only, so a message never grows with the input.
std::string describe_json(const nlohmann::json& value);

// config.json values, with errors naming `path` and the key:
// a positive integer (missing or null -> "missing"; `fallback` >= 0 is used instead if given),
int64_t config_positive_int(const nlohmann::json& config, const char* key, const std::string& path,
                            int64_t fallback = -1);
// a number, or `fallback` when absent or null,
double config_number(const nlohmann::json& config, const char* key, const std::string& path,
                     double fallback);
// a boolean, or `fallback` when absent or null,
bool config_bool(const nlohmann::json& config, const char* key, const std::string& path,
                 bool fallback);
// a string, or `fallback` when absent or null.
std::string config_string(const nlohmann::json& config, const char* key, const std::string& path,
                          const std::string& fallback);

}  // namespace ckpt
