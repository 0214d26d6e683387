// GPT-NeoX (model_type "gpt_neox": Pythia, GPT-NeoX-20B) on the Cerebras GPT-J model code
// (DESIGN.md §3b): the table with the fused query_key_value split and the rotary row
// permutation as data, config.json reading with its refusals, and config.json writing.
#include <algorithm>
#include <array>
#include <cmath>

#include "formats/quote.h"
#include "io/error.h"
#include "models/config_text.h"
#include "models/model_family.h"

namespace ckpt {
namespace {

using enum TensorOp;
using enum Sharing;

constexpr RowSelect kQ{3, 0, true};
constexpr RowSelect kK{3, 1, true};
constexpr RowSelect kV{3, 2, false};
constexpr const char* kBias = "attention_bias";

// Symbols: V vocab, E hidden, I intermediate, P positions, QKV = 3E, R2 = rotary dims / 2.
// Order is HF state_dict order.
// clang-format off
constexpr std::array kRules{
    MappingRule{"gpt_neox.embed_in.weight", "input_embedding/embedding_weights", kCopy, "V,E", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.input_layernorm.weight", "gptj_decoder/{i}/ln_1/ln_1/gamma", kCopy, "E", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.input_layernorm.bias", "gptj_decoder/{i}/ln_1/ln_1/beta", kCopy, "E", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.post_attention_layernorm.weight", "gptj_decoder/{i}/ln_2/ln_2/gamma", kCopy, "E", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.post_attention_layernorm.bias", "gptj_decoder/{i}/ln_2/ln_2/beta", kCopy, "E", kEither, true, true},
    // Buffers older transformers saved: checked for shape, not written (nor recreated).
    MappingRule{"gpt_neox.layers.{i}.attention.bias", "", kCopy, "1,1,P,P", kEither, false, false},
    MappingRule{"gpt_neox.layers.{i}.attention.masked_bias", "", kCopy, "", kEither, false, true},
    MappingRule{"gpt_neox.layers.{i}.attention.rotary_emb.inv_freq", "", kCopy, "R2", kEither, false, true},
    // Rows [H, 3, D]: part 0 q, 1 k, 2 v; q and k from rotate_half to rotate_every_two order.
    MappingRule{"gpt_neox.layers.{i}.attention.query_key_value.weight", "gptj_decoder/{i}/attn/q_proj/q_proj/kernel", kTranspose, "QKV,E", kEither, true, true, kQ},
    MappingRule{"gpt_neox.layers.{i}.attention.query_key_value.weight", "gptj_decoder/{i}/attn/k_proj/k_proj/kernel", kTranspose, "QKV,E", kEither, true, true, kK},
    MappingRule{"gpt_neox.layers.{i}.attention.query_key_value.weight", "gptj_decoder/{i}/attn/v_proj/v_proj/kernel", kTranspose, "QKV,E", kEither, true, true, kV},
    MappingRule{"gpt_neox.layers.{i}.attention.query_key_value.bias", "gptj_decoder/{i}/attn/q_proj/q_proj/bias", kCopy, "QKV", kEither, true, true, kQ, kBias},
    MappingRule{"gpt_neox.layers.{i}.attention.query_key_value.bias", "gptj_decoder/{i}/attn/k_proj/k_proj/bias", kCopy, "QKV", kEither, true, true, kK, kBias},
    MappingRule{"gpt_neox.layers.{i}.attention.query_key_value.bias", "gptj_decoder/{i}/attn/v_proj/v_proj/bias", kCopy, "QKV", kEither, true, true, kV, kBias},
    MappingRule{"gpt_neox.layers.{i}.attention.dense.weight", "gptj_decoder/{i}/attn/out_proj/out_proj/kernel", kTranspose, "E,E", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.attention.dense.bias", "gptj_decoder/{i}/attn/out_proj/out_proj/bias", kCopy, "E", kEither, true, true, {}, kBias},
    MappingRule{"gpt_neox.layers.{i}.mlp.dense_h_to_4h.weight", "gptj_decoder/{i}/mlp/{fc_in}/{fc_in}/kernel", kTranspose, "I,E", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.mlp.dense_h_to_4h.bias", "gptj_decoder/{i}/mlp/{fc_in}/{fc_in}/bias", kCopy, "I", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.mlp.dense_4h_to_h.weight", "gptj_decoder/{i}/mlp/{fc_out}/{fc_out}/kernel", kTranspose, "E,I", kEither, true, true},
    MappingRule{"gpt_neox.layers.{i}.mlp.dense_4h_to_h.bias", "gptj_decoder/{i}/mlp/{fc_out}/{fc_out}/bias", kCopy, "E", kEither, true, true},
    MappingRule{"gpt_neox.final_layer_norm.weight", "post_decoder_layer_norm/post_decoder_layer_norm/gamma", kCopy, "E", kEither, true, true},
    MappingRule{"gpt_neox.final_layer_norm.bias", "post_decoder_layer_norm/post_decoder_layer_norm/beta", kCopy, "E", kEither, true, true},
    MappingRule{"embed_out.weight", "lm_head/lm_head/kernel", kTranspose, "V,E", kUnshared, true, true},
    // Tied output layer: checked when present, not written; to-hf rebuilds it from the embedding.
    MappingRule{"embed_out.weight", "", kTranspose, "V,E", kShared, false, true, {}, "", "input_embedding/embedding_weights"},
};
// clang-format on

// The Cerebras model has one gelu, the tanh form.
constexpr std::array kTanhGelus{"gelu_new", "gelu_fast", "gelu_pytorch_tanh"};

std::string summary(const CsParams& c) {
  return "hidden_size=" + std::to_string(c.hidden_size) +
         " num_hidden_layers=" + std::to_string(c.num_hidden_layers) +
         " intermediate_size=" + std::to_string(c.filter_size) +
         " vocab_size=" + std::to_string(c.vocab_size) +
         " max_position_embeddings=" + std::to_string(c.max_position_embeddings);
}

class GptNeoxFamily final : public ModelFamily {
 public:
  std::string_view model_type() const override { return "gpt_neox"; }
  std::string_view display_name() const override { return "GPT-NeoX"; }

  const ModelTable& table() const override {
    static const ModelTable table{kRules, cerebras_layer_vars, "lm_head/lm_head/kernel"};
    return table;
  }

  ModelSpec from_hf_config(const nlohmann::json& j, const std::string& path,
                           bool share) const override {
    CsParams c;
    c.source = path;
    c.hidden_size = config_positive_int(j, "hidden_size", path);
    c.num_hidden_layers = config_positive_int(j, "num_hidden_layers", path);
    c.num_heads = config_positive_int(j, "num_attention_heads", path);
    c.filter_size = config_positive_int(j, "intermediate_size", path);
    c.max_position_embeddings = config_positive_int(j, "max_position_embeddings", path);
    c.vocab_size = config_positive_int(j, "vocab_size", path);
    c.layer_norm_epsilon = config_number(j, "layer_norm_eps", path, 1e-5);
    const bool bias = config_bool(j, "attention_bias", path, true);
    c.use_projection_bias_in_attention = bias;
    c.use_ffn_bias_in_attention = bias;
    c.use_ffn_bias = true;
    c.use_bias_in_output = false;
    c.use_untied_layer_norm = true;
    c.share_embedding_weights = share;
    if (c.hidden_size % c.num_heads != 0) {
      throw_bad_input(path, "hidden_size (" + std::to_string(c.hidden_size) +
                                ") is not a multiple of num_attention_heads (" +
                                std::to_string(c.num_heads) + ")");
    }
    const int64_t head = c.hidden_size / c.num_heads;
    const double pct = config_number(j, "rotary_pct", path, 1.0);
    if (!(pct > 0.0 && pct <= 1.0)) {
      throw_bad_input(path, "\"rotary_pct\" must be in (0, 1], got " + shortest_float(pct));
    }
    c.rotary_dim = static_cast<int64_t>(static_cast<double>(head) * pct);  // Python's int()
    if (c.rotary_dim % 2 != 0 || c.rotary_dim == 0) {
      throw_bad_input(path, "\"rotary_pct\" " + shortest_float(pct) + " of head size " +
                                std::to_string(head) + " gives rotary dimension " +
                                std::to_string(c.rotary_dim) +
                                "; the Cerebras rotary embedding needs an even, non-zero one");
    }
    if (!config_bool(j, "use_parallel_residual", path, true)) {
      throw_bad_input(path,
                      "\"use_parallel_residual\" is false; the Cerebras GPT-J model computes "
                      "attention and MLP in parallel only");
    }
    for (const char* key : {"rotary_emb_base", "rope_theta"}) {
      const double base = config_number(j, key, path, 10000.0);
      if (base != 10000.0) {
        throw_bad_input(path, "\"" + std::string(key) + "\" is " + shortest_float(base) +
                                  "; the Cerebras rotary embedding uses base 10000 only");
      }
    }
    if (auto rs = j.find("rope_scaling"); rs != j.end() && !rs->is_null()) {
      throw_bad_input(path, "\"rope_scaling\" is " + describe_json(*rs) +
                                "; the Cerebras rotary embedding has no scaling");
    }
    ModelSpec s = spec(c, path, "num_hidden_layers");
    const std::string act = config_string(j, "hidden_act", path, "gelu");
    if (act == "gelu") {
      s.notes.push_back(path +
                        ": hidden_act \"gelu\" is the exact (erf) gelu; the Cerebras "
                        "model will use the tanh form (nonlinearity: gelu)");
    } else if (std::find(kTanhGelus.begin(), kTanhGelus.end(), act) == kTanhGelus.end()) {
      throw_bad_input(path, "\"hidden_act\" is " + quoted(act, 60) +
                                "; the Cerebras model has only gelu (the tanh form: gelu_new, "
                                "gelu_fast, gelu_pytorch_tanh; exact gelu with a note)");
    }
    s.tied_output = config_bool(j, "tie_word_embeddings", path, false);
    if (share && !s.tied_output) {
      throw_usage(path +
                  ": --share_embeddings needs embed_out tied to embed_in, but "
                  "\"tie_word_embeddings\" is not true");
    }
    return s;
  }

  bool describes(const CsParams& p) const override { return p.use_untied_layer_norm; }

  ModelSpec from_params(const CsParams& p) const override {
    if (p.hidden_size % p.num_heads != 0 || p.rotary_dim % 2 != 0 ||
        p.rotary_dim > p.hidden_size / p.num_heads) {
      throw_bad_input(p.source, "hidden_size " + std::to_string(p.hidden_size) + ", num_heads " +
                                    std::to_string(p.num_heads) + " and rotary_dim " +
                                    std::to_string(p.rotary_dim) +
                                    " do not fit (heads of equal size, an even rotary_dim no "
                                    "larger than a head)");
    }
    return spec(p, p.source, "model.num_hidden_layers");
  }

  bool recognises(const VariableShape& variable) const override {
    return variable("gptj_decoder/0/ln_2/ln_2/gamma") != nullptr;
  }

  ModelSpec from_variables(const VariableShape&, const std::string& where) const override {
    throw_bad_input(where,
                    "no params.yaml beside it: a GPT-NeoX checkpoint needs its num_heads and "
                    "rotary_dim, which no variable shape tells");
  }

  // A shared output layer is written out as embed_out.weight and declared tied.
  std::string hf_config_json(const CsParams& c) const override {
    using nlohmann::json;
    const int64_t head = c.hidden_size / c.num_heads;
    // rotary_pct such that int(head * rotary_pct) gives rotary_dim back.
    double pct = static_cast<double>(c.rotary_dim) / static_cast<double>(head);
    while (static_cast<int64_t>(static_cast<double>(head) * pct) < c.rotary_dim) {
      pct = std::nextafter(pct, 2.0);
    }
    const json j = {
        {"architectures", {"GPTNeoXForCausalLM"}},
        {"attention_bias", c.use_projection_bias_in_attention},
        {"attention_dropout", 0.0},
        {"bos_token_id", 0},
        {"eos_token_id", 0},
        // params.yaml says only "gelu"; every GPT-NeoX on the Hub (Pythia, GPT-NeoX-20B) uses
        // HF's exact "gelu", so that is what comes back: HF -> Cerebras -> HF gives the
        // original config (convert's note says the Cerebras model computes the tanh form).
        {"hidden_act", "gelu"},
        {"hidden_dropout", 0.0},
        {"hidden_size", c.hidden_size},
        {"initializer_range", 0.02},
        {"intermediate_size", c.filter_size},
        {"layer_norm_eps", c.layer_norm_epsilon},
        {"max_position_embeddings", c.max_position_embeddings},
        {"model_type", "gpt_neox"},
        {"num_attention_heads", c.num_heads},
        {"num_hidden_layers", c.num_hidden_layers},
        {"rope_scaling", nullptr},
        {"rotary_emb_base", 10000},
        {"rotary_pct", pct},
        {"tie_word_embeddings", c.share_embedding_weights},
        {"torch_dtype", "float32"},
        {"use_cache", true},
        {"use_parallel_residual", true},
        {"vocab_size", c.vocab_size},
    };
    return j.dump(2) + "\n";
  }

 private:
  ModelSpec spec(const CsParams& c, const std::string& source, const char* layers_key) const {
    ModelSpec s;
    s.family = this;
    s.params = c;
    s.summary = summary(c);
    const int64_t e = c.hidden_size;
    if (e > INT64_MAX / 3)
      throw_bad_input(source, "hidden_size " + std::to_string(e) + " is too large");
    s.dims.symbols = {{"V", c.vocab_size},  {"E", e},
                      {"I", c.filter_size}, {"P", c.max_position_embeddings},
                      {"QKV", 3 * e},       {"H", c.num_heads},
                      {"R", c.rotary_dim},  {"R2", c.rotary_dim / 2}};
    s.dims.layers = c.num_hidden_layers;
    if (c.use_projection_bias_in_attention) s.dims.flags.insert(kBias);
    s.dims.source = source;
    s.dims.layers_key = layers_key;
    return s;
  }
};

}  // namespace

const ModelFamily& gpt_neox_family() {
  static const GptNeoxFamily family;
  return family;
}

}  // namespace ckpt
