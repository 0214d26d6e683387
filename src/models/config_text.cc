#include "models/config_text.h"

#include <array>
#include <fstream>
#include <sstream>

#include "formats/quote.h"
#include "formats/strict_json.h"
#include "io/error.h"

namespace ckpt {

std::string read_config_text(const std::string& path, const std::string& missing) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_bad_input(path, missing);
  std::string text;
  std::array<char, 65536> buf{};
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    text.append(buf.data(), static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes)
      throw_bad_input(path, "larger than 16 MiB, not a model config");
  }
  return text;
}

nlohmann::json parse_config_json(const std::string& text, const std::string& path) {
  nlohmann::json j = parse_strict_json(path, text, "config.json");
  if (!j.is_object()) throw_bad_input(path, "not a JSON object");
  return j;
}

std::string describe_json(const nlohmann::json& value) {
  if (value.is_string()) return quoted(value.get<std::string>(), 60);
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return value.dump();
}

namespace {

const nlohmann::json* member(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  return it == config.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

int64_t config_positive_int(const nlohmann::json& config, const char* key, const std::string& path,
                            int64_t fallback) {
  const nlohmann::json* v = member(config, key);
  if (v == nullptr) {
    if (fallback >= 0) return fallback;
    throw_bad_input(path, std::string("missing \"") + key + "\"");
  }
  if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX) ||
      v->get<int64_t>() <= 0) {
    throw_bad_input(
        path, std::string("\"") + key + "\" must be a positive integer, got " + describe_json(*v));
  }
  return v->get<int64_t>();
}

double config_number(const nlohmann::json& config, const char* key, const std::string& path,
                     double fallback) {
  const nlohmann::json* v = member(config, key);
  if (v == nullptr) return fallback;
  if (!v->is_number()) {
    throw_bad_input(path,
                    std::string("\"") + key + "\" must be a number, got " + describe_json(*v));
  }
  return v->get<double>();
}

bool config_bool(const nlohmann::json& config, const char* key, const std::string& path,
                 bool fallback) {
  const nlohmann::json* v = member(config, key);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) {
    throw_bad_input(path,
                    std::string("\"") + key + "\" must be true or false, got " + describe_json(*v));
  }
  return v->get<bool>();
}

std::string config_string(const nlohmann::json& config, const char* key, const std::string& path,
                          const std::string& fallback) {
  const nlohmann::json* v = member(config, key);
  if (v == nullptr) return fallback;
  if (!v->is_string()) {
    throw_bad_input(path,
                    std::string("\"") + key + "\" must be a string, got " + describe_json(*v));
  }
  return v->get<std::string>();
}

}  // namespace ckpt
