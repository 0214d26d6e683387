// A model's HF -> TF name mapping as data: one row per tensor kind, with `{i}`-style
// placeholders expanded per layer. convert, verify and to-hf all read the same expanded
// table, so the inverse direction is derived, never written twice, and another model is
// one more table (see gptj.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "formats/tensor_view.h"

namespace ckpt {

enum class TensorOp {
  kCopy,       // same shape, same element order
  kTranspose,  // 2-D [out, in] (PyTorch Linear) -> [in, out] (TF dense kernel)
};

// Which `--share_embeddings` setting a rule belongs to.
enum class Sharing { kEither, kUnshared, kShared };

struct MappingRule {
  const char* hf;  // e.g. "transformer.h.{i}.attn.q_proj.weight"; {i} marks a per-layer row
  const char* tf;  // e.g. "gptj_decoder/{i}/attn/q_proj/q_proj/kernel"; "" = not written
  TensorOp op;
  const char* shape;  // HF shape as comma-separated dimension symbols, "" for a scalar
  Sharing sharing;
  bool required;  // must be present in the HF checkpoint (buffers are optional)
  bool is_float;  // weights are floating point; buffers may be bool
};

struct ModelTable {
  const char* model;  // "gptj"
  std::span<const MappingRule> rules;
  // Placeholder values for layer i, e.g. {"i","3"}, {"fc_in","dense_layer_6"}.
  std::function<std::map<std::string, std::string>(int64_t layer)> layer_vars;
};

// Model dimensions that shape symbols refer to ("E" -> 4096, ...), and the layer count.
struct ModelDims {
  std::map<std::string, int64_t> symbols;
  int64_t layers = 0;
};

// One concrete tensor of the model.
struct MappedTensor {
  std::string hf_name;
  std::string tf_name;  // empty: read from HF but not written (buffers, shared lm_head)
  TensorOp op = TensorOp::kCopy;
  Shape hf_shape;
  Shape tf_shape;
  bool required = true;
  bool is_float = true;
};

// Every tensor of the model in HF order (global rows before the first layer row stay first,
// per-layer rows expanded layer by layer, the rest after).
std::vector<MappedTensor> expand_table(const ModelTable& table, const ModelDims& dims, bool share);

// Replaces every "{key}" in `pattern` by vars[key].
std::string expand_placeholders(const std::string& pattern,
                                const std::map<std::string, std::string>& vars);

}  // namespace ckpt
