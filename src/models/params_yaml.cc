#include "models/params_yaml.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "io/error.h"

namespace ckpt {
namespace {

std::string format_epsilon(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  // Keep the YAML value a float even when it prints like an integer.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

const char* yes_no(bool b) { return b ? "true" : "false"; }

}  // namespace

std::string gptj_params_yaml(const GptjConfig& c, bool share) {
  std::ostringstream y;
  y << "# Cerebras GPT-J params, made by ckptconv from " << c.path << "\n"
    << "train_input:\n"
    << "  vocab_size: " << c.vocab_size << "\n"
    << "  max_sequence_length: " << c.n_positions << "\n"
    << "eval_input:\n"
    << "  vocab_size: " << c.vocab_size << "\n"
    << "  max_sequence_length: " << c.n_positions << "\n"
    << "model:\n"
    << "  hidden_size: " << c.n_embd << "\n"
    << "  num_hidden_layers: " << c.n_layer << "\n"
    << "  num_heads: " << c.n_head << "\n"
    << "  rotary_dim: " << c.rotary_dim << "\n"
    << "  filter_size: " << c.n_inner << "\n"
    << "  max_position_embeddings: " << c.n_positions << "\n"
    << "  layer_norm_epsilon: " << format_epsilon(c.layer_norm_epsilon) << "\n"
    << "  nonlinearity: gelu\n"
    << "  share_embedding_weights: " << yes_no(share) << "\n"
    << "  use_projection_bias_in_attention: false\n"
    << "  use_ffn_bias_in_attention: false\n"
    << "  use_ffn_bias: true\n"
    << "  use_bias_in_output: true\n";
  return y.str();
}

GptjParams parse_gptj_params_yaml(const std::string& text, const std::string& path) {
  // Two-level "section:\n  key: value" as gptj_params_yaml writes it; comments ignored.
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t indent = line.find_first_not_of(' ');
    std::string key = line.substr(indent, colon - indent);
    std::string value =
        colon + 1 < line.size() ? line.substr(line.find_first_not_of(' ', colon + 1)) : "";
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
    try {
      size_t used = 0;
      long long n = std::stoll(v, &used);
      if (used == v.size() && n > 0) return static_cast<int64_t>(n);
    } catch (const std::exception&) {
    }
    throw_bad_input(path, "\"" + key + "\" must be a positive integer, got \"" + v + "\"");
  };
  GptjParams p;
  GptjConfig& c = p.config;
  c.path = path;
  c.n_embd = get_int("model.hidden_size");
  c.n_layer = get_int("model.num_hidden_layers");
  c.n_head = get_int("model.num_heads");
  c.rotary_dim = get_int("model.rotary_dim");
  c.n_inner = get_int("model.filter_size");
  c.n_positions = get_int("model.max_position_embeddings");
  c.vocab_size = get_int("train_input.vocab_size");
  if (kv.count("model.layer_norm_epsilon")) {
    const std::string& v = kv["model.layer_norm_epsilon"];
    char* end = nullptr;
    c.layer_norm_epsilon = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0') {
      throw_bad_input(path, "\"model.layer_norm_epsilon\" must be a number, got \"" + v + "\"");
    }
  }
  p.share_embeddings =
      kv.count("model.share_embedding_weights") && kv["model.share_embedding_weights"] == "true";
  c.tie_word_embeddings = false;
  return p;
}

}  // namespace ckpt
