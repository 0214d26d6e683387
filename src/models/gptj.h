// GPT-J: the HF -> Cerebras TF mapping table (DESIGN.md §3) and its dimensions from config.json.
#pragma once

#include "models/model_config.h"
#include "models/name_mapping.h"

namespace ckpt {

const ModelTable& gptj_table();
ModelDims gptj_dims(const GptjConfig& config);

// Keras spells the first dense layer without a suffix: dense_layer, dense_layer_1, ...
std::string keras_dense_name(int64_t n);

}  // namespace ckpt
