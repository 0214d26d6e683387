#include "models/gptj.h"

#include <array>

namespace ckpt {
namespace {

using enum TensorOp;
using enum Sharing;

// Symbols: V vocab, E n_embd, I inner (fc) size, P positions. Order is HF state_dict order.
// clang-format off
constexpr std::array kRules{
    MappingRule{"transformer.wte.weight", "input_embedding/embedding_weights", kCopy, "V,E", kEither, true, true},
    MappingRule{"transformer.h.{i}.ln_1.weight", "gptj_decoder/{i}/ln_1/ln_1/gamma", kCopy, "E", kEither, true, true},
    MappingRule{"transformer.h.{i}.ln_1.bias", "gptj_decoder/{i}/ln_1/ln_1/beta", kCopy, "E", kEither, true, true},
    MappingRule{"transformer.h.{i}.attn.bias", "", kCopy, "1,1,P,P", kEither, false, false},
    MappingRule{"transformer.h.{i}.attn.masked_bias", "", kCopy, "", kEither, false, true},
    MappingRule{"transformer.h.{i}.attn.k_proj.weight", "gptj_decoder/{i}/attn/k_proj/k_proj/kernel", kTranspose, "E,E", kEither, true, true},
    MappingRule{"transformer.h.{i}.attn.v_proj.weight", "gptj_decoder/{i}/attn/v_proj/v_proj/kernel", kTranspose, "E,E", kEither, true, true},
    MappingRule{"transformer.h.{i}.attn.q_proj.weight", "gptj_decoder/{i}/attn/q_proj/q_proj/kernel", kTranspose, "E,E", kEither, true, true},
    MappingRule{"transformer.h.{i}.attn.out_proj.weight", "gptj_decoder/{i}/attn/out_proj/out_proj/kernel", kTranspose, "E,E", kEither, true, true},
    MappingRule{"transformer.h.{i}.mlp.fc_in.weight", "gptj_decoder/{i}/mlp/{fc_in}/{fc_in}/kernel", kTranspose, "I,E", kEither, true, true},
    MappingRule{"transformer.h.{i}.mlp.fc_in.bias", "gptj_decoder/{i}/mlp/{fc_in}/{fc_in}/bias", kCopy, "I", kEither, true, true},
    MappingRule{"transformer.h.{i}.mlp.fc_out.weight", "gptj_decoder/{i}/mlp/{fc_out}/{fc_out}/kernel", kTranspose, "E,I", kEither, true, true},
    MappingRule{"transformer.h.{i}.mlp.fc_out.bias", "gptj_decoder/{i}/mlp/{fc_out}/{fc_out}/bias", kCopy, "E", kEither, true, true},
    MappingRule{"transformer.ln_f.weight", "post_decoder_layer_norm/post_decoder_layer_norm/gamma", kCopy, "E", kEither, true, true},
    MappingRule{"transformer.ln_f.bias", "post_decoder_layer_norm/post_decoder_layer_norm/beta", kCopy, "E", kEither, true, true},
    MappingRule{"lm_head.weight", "lm_head/lm_head/kernel", kTranspose, "V,E", kUnshared, true, true},
    // Shared embeddings: the output layer reuses the input embedding, so lm_head.weight is
    // checked when present but not written, and the bias becomes a top-level variable.
    MappingRule{"lm_head.weight", "", kTranspose, "V,E", kShared, false, true},
    MappingRule{"lm_head.bias", "lm_head/lm_head/bias", kCopy, "V", kUnshared, true, true},
    MappingRule{"lm_head.bias", "bias", kCopy, "V", kShared, true, true},
};
// clang-format on

}  // namespace

std::string keras_dense_name(int64_t n) {
  return n == 0 ? "dense_layer" : "dense_layer_" + std::to_string(n);
}

const ModelTable& gptj_table() {
  static const ModelTable table{"gptj", kRules, [](int64_t layer) {
                                  return std::map<std::string, std::string>{
                                      {"i", std::to_string(layer)},
                                      {"fc_in", keras_dense_name(2 * layer)},
                                      {"fc_out", keras_dense_name(2 * layer + 1)}};
                                }};
  return table;
}

ModelDims gptj_dims(const GptjConfig& c) {
  ModelDims d;
  d.symbols = {{"V", c.vocab_size}, {"E", c.n_embd}, {"I", c.n_inner}, {"P", c.n_positions}};
  d.layers = c.n_layer;
  return d;
}

}  // namespace ckpt
