// GPT-J (model_type "gptj"): the HF -> Cerebras TF table (DESIGN.md §3), config.json reading
// and writing, and the GPT-J 6B guesses to-hf falls back on without params.yaml.
#include <array>

#include "io/error.h"
#include "models/config_text.h"
#include "models/model_family.h"

namespace ckpt {
namespace {

using enum TensorOp;
using enum Sharing;
using enum BufferKind;

// Symbols: V vocab, E n_embd, I inner (fc) size, P positions. Order is HF state_dict order.
// clang-format off
constexpr std::array kRules{
    MappingRule{"transformer.wte.weight", "input_embedding/embedding_weights", kCopy, "V,E", kEither, true, true},
    MappingRule{"transformer.h.{i}.ln_1.weight", "gptj_decoder/{i}/ln_1/ln_1/gamma", kCopy, "E", kEither, true, true},
    MappingRule{"transformer.h.{i}.ln_1.bias", "gptj_decoder/{i}/ln_1/ln_1/beta", kCopy, "E", kEither, true, true},
    MappingRule{"transformer.h.{i}.attn.bias", "", kCopy, "1,1,P,P", kEither, false, false, {}, "", "", kCausalMask},
    MappingRule{"transformer.h.{i}.attn.masked_bias", "", kCopy, "", kEither, false, true, {}, "", "", kMaskedBias},
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
    MappingRule{"lm_head.weight", "", kTranspose, "V,E", kShared, false, true, {}, "", "input_embedding/embedding_weights"},
    MappingRule{"lm_head.bias", "lm_head/lm_head/bias", kCopy, "V", kUnshared, true, true},
    MappingRule{"lm_head.bias", "bias", kCopy, "V", kShared, true, true},
};
// clang-format on

std::string summary(const CsParams& c) {
  return "n_embd=" + std::to_string(c.hidden_size) +
         " n_layer=" + std::to_string(c.num_hidden_layers) +
         " n_inner=" + std::to_string(c.filter_size) +
         " vocab_size=" + std::to_string(c.vocab_size) +
         " n_positions=" + std::to_string(c.max_position_embeddings);
}

class GptjFamily final : public ModelFamily {
 public:
  std::string_view model_type() const override { return "gptj"; }
  std::string_view display_name() const override { return "GPT-J"; }

  const ModelTable& table() const override {
    static const ModelTable table{kRules, cerebras_layer_vars, "lm_head/lm_head/kernel"};
    return table;
  }

  ModelSpec from_hf_config(const nlohmann::json& j, const std::string& path,
                           bool share) const override {
    CsParams c;
    c.source = path;
    c.hidden_size = config_positive_int(j, "n_embd", path);
    c.num_hidden_layers = config_positive_int(j, "n_layer", path);
    c.num_heads = config_positive_int(j, "n_head", path);
    c.rotary_dim = config_positive_int(j, "rotary_dim", path);
    c.max_position_embeddings = config_positive_int(j, "n_positions", path);
    c.vocab_size = config_positive_int(j, "vocab_size", path);
    const auto inner = j.find("n_inner");
    const bool default_inner = inner == j.end() || inner->is_null();
    if (default_inner && c.hidden_size > INT64_MAX / 4) {  // found by the config_json fuzz target
      throw_bad_input(path, "\"n_embd\" " + std::to_string(c.hidden_size) +
                                " is too large (the default n_inner, 4 * n_embd, overflows)");
    }
    c.filter_size =
        config_positive_int(j, "n_inner", path, default_inner ? 4 * c.hidden_size : int64_t{0});
    c.layer_norm_epsilon = config_number(j, "layer_norm_epsilon", path, 1e-5);
    c.share_embedding_weights = share;
    if (c.hidden_size % c.num_heads != 0) {
      throw_bad_input(path, "n_embd (" + std::to_string(c.hidden_size) +
                                ") is not a multiple of n_head (" + std::to_string(c.num_heads) +
                                ")");
    }
    ModelSpec s = spec(c, path, "n_layer");
    s.tied_output = config_bool(j, "tie_word_embeddings", path, false);
    return s;
  }

  bool describes(const CsParams& p) const override { return !p.use_untied_layer_norm; }
  ModelSpec from_params(const CsParams& p) const override {
    return spec(p, p.source, "model.num_hidden_layers");
  }

  bool recognises(const VariableShape& variable) const override {
    return variable("gptj_decoder/0/ln_1/ln_1/gamma") != nullptr &&
           variable("gptj_decoder/0/ln_2/ln_2/gamma") == nullptr;
  }

  // Dimensions from the variable shapes (the attention head count, rotary size and positions
  // are not in any shape: GPT-J 6B's are assumed, and said so).
  ModelSpec from_variables(const VariableShape& variable, const std::string& where) const override {
    const Shape* emb = variable("input_embedding/embedding_weights");
    const Shape* fc = variable("gptj_decoder/0/mlp/dense_layer/dense_layer/kernel");
    if (emb == nullptr || emb->size() != 2 || fc == nullptr || fc->size() != 2) {
      throw_bad_input(where, "no params.yaml beside it and the variables do not look like GPT-J");
    }
    CsParams c;
    c.source = "params.yaml";
    c.vocab_size = (*emb)[0];
    c.hidden_size = (*emb)[1];
    c.filter_size = (*fc)[1];
    while (variable("gptj_decoder/" + std::to_string(c.num_hidden_layers) + "/ln_1/ln_1/gamma") !=
           nullptr) {
      ++c.num_hidden_layers;
    }
    c.num_heads = 16;
    c.rotary_dim = 64;
    c.max_position_embeddings = 2048;
    ModelSpec s = spec(c, where, "layers");
    s.notes.push_back(
        "no params.yaml: n_head=16, rotary_dim=64, n_positions=2048 assumed (GPT-J 6B); "
        "check config.json");
    return s;
  }

  std::string hf_config_json(const CsParams& c) const override {
    using nlohmann::json;
    // Keys sorted as transformers writes them (json.dumps(sort_keys=True)).
    const json j = {
        {"activation_function", "gelu_new"},
        {"architectures", {"GPTJForCausalLM"}},
        {"attn_pdrop", 0.0},
        {"bos_token_id", 50256},
        {"embd_pdrop", 0.0},
        {"eos_token_id", 50256},
        {"initializer_range", 0.02},
        {"layer_norm_epsilon", c.layer_norm_epsilon},
        {"model_type", "gptj"},
        {"n_embd", c.hidden_size},
        {"n_head", c.num_heads},
        {"n_inner", c.filter_size == 4 * c.hidden_size ? json(nullptr) : json(c.filter_size)},
        {"n_layer", c.num_hidden_layers},
        {"n_positions", c.max_position_embeddings},
        {"resid_pdrop", 0.0},
        {"rotary_dim", c.rotary_dim},
        {"tie_word_embeddings", false},
        {"torch_dtype", "float32"},
        {"use_cache", true},
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
    s.dims.symbols = {{"V", c.vocab_size},
                      {"E", c.hidden_size},
                      {"I", c.filter_size},
                      {"P", c.max_position_embeddings}};
    s.dims.layers = c.num_hidden_layers;
    s.dims.source = source;
    s.dims.layers_key = layers_key;
    return s;
  }
};

}  // namespace

const ModelFamily& gptj_family() {
  static const GptjFamily family;
  return family;
}

}  // namespace ckpt
