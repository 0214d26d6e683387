#include "models/model_config.h"

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/error.h"

namespace ckpt {
namespace {

using nlohmann::json;

int64_t positive_int(const json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) throw_bad_input(path, std::string("missing \"") + key + "\"");
  if (!it->is_number_integer() || it->get<int64_t>() <= 0) {
    throw_bad_input(path,
                    std::string("\"") + key + "\" must be a positive integer, got " + it->dump());
  }
  return it->get<int64_t>();
}

}  // namespace

std::string GptjConfig::summary() const {
  return "n_embd=" + std::to_string(n_embd) + " n_layer=" + std::to_string(n_layer) +
         " n_inner=" + std::to_string(n_inner) + " vocab_size=" + std::to_string(vocab_size) +
         " n_positions=" + std::to_string(n_positions);
}

GptjConfig parse_gptj_config(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw_bad_input(path, "not a JSON object");
  auto type = j.find("model_type");
  if (type == j.end() || !type->is_string()) throw_bad_input(path, "missing \"model_type\"");
  if (type->get<std::string>() != "gptj") {
    throw_bad_input(path, "model_type is \"" + type->get<std::string>() +
                              "\", but ckptconv converts GPT-J (\"gptj\") checkpoints");
  }
  GptjConfig c;
  c.path = path;
  c.n_embd = positive_int(j, "n_embd", path);
  c.n_layer = positive_int(j, "n_layer", path);
  c.n_head = positive_int(j, "n_head", path);
  c.rotary_dim = positive_int(j, "rotary_dim", path);
  c.n_positions = positive_int(j, "n_positions", path);
  c.vocab_size = positive_int(j, "vocab_size", path);
  auto inner = j.find("n_inner");
  if (inner == j.end() || inner->is_null()) {
    // 4 * n_embd overflowed int64 for a huge n_embd (UBSan, config_json fuzz target).
    if (c.n_embd > INT64_MAX / 4) {
      throw_bad_input(path, "\"n_embd\" " + std::to_string(c.n_embd) +
                                " is too large (the default n_inner, 4 * n_embd, overflows)");
    }
    c.n_inner = 4 * c.n_embd;
  } else {
    c.n_inner = positive_int(j, "n_inner", path);
  }
  if (auto eps = j.find("layer_norm_epsilon"); eps != j.end() && eps->is_number()) {
    c.layer_norm_epsilon = eps->get<double>();
  }
  if (auto tie = j.find("tie_word_embeddings"); tie != j.end() && tie->is_boolean()) {
    c.tie_word_embeddings = tie->get<bool>();
  }
  if (c.n_embd % c.n_head != 0) {
    throw_bad_input(path, "n_embd (" + std::to_string(c.n_embd) +
                              ") is not a multiple of n_head (" + std::to_string(c.n_head) + ")");
  }
  return c;
}

GptjConfig read_gptj_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_bad_input(path, "cannot read config.json (every HF model directory has one)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_gptj_config(ss.str(), path);
}

std::string gptj_config_json(const GptjConfig& c) {
  // Keys sorted as transformers writes them (json.dumps(sort_keys=True)).
  json j = {
      {"activation_function", "gelu_new"},
      {"architectures", {"GPTJForCausalLM"}},
      {"attn_pdrop", 0.0},
      {"bos_token_id", 50256},
      {"embd_pdrop", 0.0},
      {"eos_token_id", 50256},
      {"initializer_range", 0.02},
      {"layer_norm_epsilon", c.layer_norm_epsilon},
      {"model_type", "gptj"},
      {"n_embd", c.n_embd},
      {"n_head", c.n_head},
      {"n_inner", c.n_inner == 4 * c.n_embd ? json(nullptr) : json(c.n_inner)},
      {"n_layer", c.n_layer},
      {"n_positions", c.n_positions},
      {"resid_pdrop", 0.0},
      {"rotary_dim", c.rotary_dim},
      {"tie_word_embeddings", c.tie_word_embeddings},
      {"torch_dtype", "float32"},
      {"use_cache", true},
      {"vocab_size", c.vocab_size},
  };
  return j.dump(2) + "\n";
}

}  // namespace ckpt
