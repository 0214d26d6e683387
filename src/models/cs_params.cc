#include "models/cs_params.h"

#include <array>
#include <charconv>
#include <cstdlib>
#include <map>
#include <sstream>

#include "formats/quote.h"
#include "io/error.h"
#include "models/config_text.h"

namespace ckpt {
namespace {

const char* yes_no(bool b) { return b ? "true" : "false"; }

}  // namespace

std::string shortest_float(double v) {
  // As Python's repr: the shortest digits that read back the same, written fixed when the
  // decimal exponent is in [-4, 16), else scientific ("1e-05").
  std::array<char, 64> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific);
  std::string s(buf.data(), res.ptr);
  const size_t e = s.find('e');
  int exponent = 0;
  if (e != std::string::npos) {
    const char* digits = s.c_str() + e + 1;
    if (*digits == '+') ++digits;  // from_chars takes no '+'
    std::from_chars(digits, s.c_str() + s.size(), exponent);
  }
  if (e != std::string::npos && exponent >= -4 && exponent < 16) {
    res = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
    s.assign(buf.data(), res.ptr);
  }
  // Keep the YAML value a float even when it prints like an integer.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string params_yaml(const CsParams& c, const std::string& display_name) {
  std::ostringstream y;
  y << "# Cerebras " << display_name << " params, made by ckptconv from " << c.source << "\n"
    << "train_input:\n"
    << "  vocab_size: " << c.vocab_size << "\n"
    << "  max_sequence_length: " << c.max_position_embeddings << "\n"
    << "eval_input:\n"
    << "  vocab_size: " << c.vocab_size << "\n"
    << "  max_sequence_length: " << c.max_position_embeddings << "\n"
    << "model:\n"
    << "  hidden_size: " << c.hidden_size << "\n"
    << "  num_hidden_layers: " << c.num_hidden_layers << "\n"
    << "  num_heads: " << c.num_heads << "\n"
    << "  rotary_dim: " << c.rotary_dim << "\n"
    << "  filter_size: " << c.filter_size << "\n"
    << "  max_position_embeddings: " << c.max_position_embeddings << "\n"
    << "  layer_norm_epsilon: " << shortest_float(c.layer_norm_epsilon) << "\n"
    << "  nonlinearity: gelu\n"
    << "  share_embedding_weights: " << yes_no(c.share_embedding_weights) << "\n"
    << "  use_projection_bias_in_attention: " << yes_no(c.use_projection_bias_in_attention) << "\n"
    << "  use_ffn_bias_in_attention: " << yes_no(c.use_ffn_bias_in_attention) << "\n"
    << "  use_ffn_bias: " << yes_no(c.use_ffn_bias) << "\n"
    << "  use_bias_in_output: " << yes_no(c.use_bias_in_output) << "\n";
  if (c.use_untied_layer_norm) y << "  use_untied_layer_norm: true\n";
  return y.str();
}

CsParams parse_params_yaml(const std::string& text, const std::string& path) {
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t indent = line.find_first_not_of(' ');
    if (indent >= colon) continue;
    const std::string key = line.substr(indent, colon - indent);
    const size_t value_at = line.find_first_not_of(' ', colon + 1);
    const std::string value = value_at == std::string::npos ? "" : line.substr(value_at);
    if (indent == 0) {
      section = key;
    } else {
      kv[section + "." + key] = value;
    }
  }
  auto get = [&](const std::string& key) -> const std::string& {
    auto it = kv.find(key);
    if (it == kv.end()) throw_bad_input(path, "missing \"" + key + "\"");
    return it->second;
  };
  auto get_int = [&](const std::string& key) {
    const std::string& v = get(key);
    int64_t n = 0;
    const auto res = std::from_chars(v.data(), v.data() + v.size(), n);
    if (res.ec == std::errc() && res.ptr == v.data() + v.size() && n > 0) return n;
    throw_bad_input(path, "\"" + key + "\" must be a positive integer, got " + quoted(v, 60));
  };
  auto get_bool = [&](const std::string& key, bool fallback) {
    auto it = kv.find(key);
    if (it == kv.end()) return fallback;
    if (it->second == "true" || it->second == "True") return true;
    if (it->second == "false" || it->second == "False") return false;
    throw_bad_input(path, "\"" + key + "\" must be true or false, got " + quoted(it->second, 60));
  };
  CsParams c;
  c.source = path;
  c.hidden_size = get_int("model.hidden_size");
  c.num_hidden_layers = get_int("model.num_hidden_layers");
  c.num_heads = get_int("model.num_heads");
  c.rotary_dim = get_int("model.rotary_dim");
  c.filter_size = get_int("model.filter_size");
  c.max_position_embeddings = get_int("model.max_position_embeddings");
  c.vocab_size = get_int("train_input.vocab_size");
  if (auto it = kv.find("model.layer_norm_epsilon"); it != kv.end()) {
    const std::string& v = it->second;
    char* end = nullptr;
    c.layer_norm_epsilon = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0') {
      throw_bad_input(path, "\"model.layer_norm_epsilon\" must be a number, got " + quoted(v, 60));
    }
  }
  c.share_embedding_weights = get_bool("model.share_embedding_weights", false);
  c.use_projection_bias_in_attention = get_bool("model.use_projection_bias_in_attention", false);
  c.use_ffn_bias_in_attention = get_bool("model.use_ffn_bias_in_attention", false);
  c.use_ffn_bias = get_bool("model.use_ffn_bias", true);
  c.use_bias_in_output = get_bool("model.use_bias_in_output", true);
  c.use_untied_layer_norm = get_bool("model.use_untied_layer_norm", false);
  return c;
}

CsParams read_params_yaml(const std::string& path) {
  return parse_params_yaml(read_config_text(path, "cannot read params.yaml"), path);
}

}  // namespace ckpt
