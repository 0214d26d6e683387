// The Cerebras GPT-J params file (params.yaml) made from a config.json (DESIGN.md §4), and the
// way back for to-hf.
#pragma once

#include <string>

#include "models/model_config.h"

namespace ckpt {

std::string gptj_params_yaml(const GptjConfig& config, bool share_embeddings);

// Reads back a params.yaml as written above (the `model:` and `train_input:` keys ckptconv
// needs). Throws Error(kBadInput) naming `path` for a missing key.
struct GptjParams {
  GptjConfig config;
  bool share_embeddings = false;
};
GptjParams parse_gptj_params_yaml(const std::string& text, const std::string& path);

}  // namespace ckpt
