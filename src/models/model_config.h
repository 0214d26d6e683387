// GPT-J hyper-parameters from a HuggingFace config.json, validated.
#pragma once

#include <cstdint>
#include <string>

namespace ckpt {

struct GptjConfig {
  std::string path;  // where it was read from, for messages
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t rotary_dim = 0;
  int64_t n_inner = 0;  // config's n_inner, or 4 * n_embd when null/absent
  int64_t n_positions = 0;
  int64_t vocab_size = 0;
  double layer_norm_epsilon = 1e-5;
  bool tie_word_embeddings = false;

  std::string summary() const;  // "n_embd=64 n_layer=2 n_inner=256 vocab_size=128 n_positions=32"
};

// Throws Error(kBadInput) naming `path`: unreadable JSON, model_type other than "gptj",
// missing or non-positive dimensions.
GptjConfig read_gptj_config(const std::string& path);
GptjConfig parse_gptj_config(const std::string& json_text, const std::string& path);

// The config.json HF would write for this model (used by to-hf).
std::string gptj_config_json(const GptjConfig& config);

}  // namespace ckpt
