// A model's HF -> TF name mapping as data: one row per tensor kind, with `{i}`-style
// placeholders expanded per layer. convert, verify and to-hf all read the same expanded
// table, so the inverse direction is derived, never written twice, and another model is
// one more table (see gptj.cc, gpt_neox.cc).
//
// Besides copy and transpose, a row may take a selection of the HF tensor's rows (first
// dimension): a fused tensor whose rows are laid out [H, parts, D] (H heads, D = rows / (H *
// parts)) gives part `part` of every head, and the rows inside each head may be permuted from
// the rotate_half rotary order (dim j pairs with j + R/2) to the rotate_every_two order (2j
// pairs with 2j + 1) for the first R dims. Expansion turns both into one `row_map` per TF
// variable; several expanded rows may then share one HF name.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
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

// Buffers HF keeps in a state_dict that to-hf recreates (kNone: to-hf leaves it out).
enum class BufferKind { kNone, kCausalMask, kMaskedBias };

// Rows of the HF tensor a TF variable takes (see the file comment). Symbols "H" (heads), and
// for rotary "R" (rotary dims per head) must be in the model's dimensions.
struct RowSelect {
  int parts = 0;              // 0: every row; else rows are [H, parts, D] and part `part` is taken
  int part = 0;               // 0 <= part < parts
  bool rotary_pairs = false;  // permute each head's first R rows: 2j <- j, 2j + 1 <- j + R/2
};

struct MappingRule {
  const char* hf = "";  // e.g. "transformer.h.{i}.attn.q_proj.weight"; {i} marks a layer row
  const char* tf = "";  // e.g. "gptj_decoder/{i}/attn/q_proj/q_proj/kernel"; "" = not written
  TensorOp op = TensorOp::kCopy;
  const char* shape = "";  // HF shape as comma-separated dimension symbols, "" for a scalar
  Sharing sharing = Sharing::kEither;
  bool required = true;  // must be present in the HF checkpoint (buffers are optional)
  bool is_float = true;  // weights are floating point; buffers may be bool
  RowSelect rows{};
  const char* when = "";     // a model flag the row needs ("attention_bias"); "" = always
  const char* rebuild = "";  // not written: to-hf copies it from this TF variable (tied weights)
  BufferKind buffer = BufferKind::kNone;
};

struct ModelTable {
  std::span<const MappingRule> rules;
  // Placeholder values for layer i, e.g. {"i","3"}, {"fc_in","dense_layer_6"}.
  std::function<std::map<std::string, std::string>(int64_t layer)> layer_vars;
  // The TF variable that exists only without --share_embeddings (to-hf tells the mode by it).
  const char* unshared_marker = "";
};

// Model dimensions that shape symbols refer to ("E" -> 4096, ...), the layer count and the
// flags that switch optional rows on.
struct ModelDims {
  std::map<std::string, int64_t> symbols;
  int64_t layers = 0;
  std::set<std::string> flags;
  std::string source;      // the file the dimensions came from, for messages
  std::string layers_key;  // that file's name for the layer count, for messages
};

// One concrete tensor of the model.
struct MappedTensor {
  std::string hf_name;
  std::string tf_name;  // empty: read from HF but not written (buffers, shared output layer)
  TensorOp op = TensorOp::kCopy;
  Shape hf_shape;  // the whole HF tensor
  Shape tf_shape;
  // Logical source row j is HF row (*row_map)[j]; null: the identity. Shared by all layers.
  std::shared_ptr<const std::vector<int64_t>> row_map;
  bool required = true;
  bool is_float = true;
  bool unshared_only = false;  // exists only without --share_embeddings (the untied output layer)
  std::string rebuild_from;    // see MappingRule::rebuild
  BufferKind buffer = BufferKind::kNone;
  std::string rows_note;  // "" or e.g. "rows: part 1 of [H, 3, D], rotary pairs" (for --debug)

  std::span<const int64_t> rows() const {
    return row_map ? std::span<const int64_t>(*row_map) : std::span<const int64_t>();
  }
};

// What the checkpoint the table is expanded for holds, so hostile dimensions are refused
// before anything is allocated per layer or per row.
struct TableBounds {
  enum class Side { kHf, kTf };
  Side side = Side::kHf;  // which names are counted: HF tensors or TF variables
  std::string file;       // the checkpoint, for messages
  uint64_t tensors = 0;   // tensors in it
  uint64_t bytes = 0;     // bytes of tensor data in it
  uint64_t min_item = 2;  // smallest element size a weight can have there

  static TableBounds unlimited() { return {Side::kHf, "", UINT64_MAX, UINT64_MAX, 1}; }
};

// Every tensor of the model in HF order (global rows before the first layer row stay first,
// per-layer rows expanded layer by layer, the rest after). Throws Error(kBadInput) naming
// dims.source when the layer count needs more tensors than `bounds` holds, or a required
// weight would have more elements than int64 holds or than fit in `bounds.bytes`.
std::vector<MappedTensor> expand_table(const ModelTable& table, const ModelDims& dims, bool share,
                                       const TableBounds& bounds);

// Replaces every "{key}" in `pattern` by vars[key].
std::string expand_placeholders(const std::string& pattern,
                                const std::map<std::string, std::string>& vars);

// Keras spells the first dense layer without a suffix: dense_layer, dense_layer_1, ...
std::string keras_dense_name(int64_t n);

// The placeholders of layer `layer` of the Cerebras GPT-J decoder, which every family converts
// to: {i} the layer, {fc_in} / {fc_out} its two MLP dense layers (dense_layer_{2i}, _{2i+1}).
std::map<std::string, std::string> cerebras_layer_vars(int64_t layer);

}  // namespace ckpt
