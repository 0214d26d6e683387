#include "models/registry.h"

#include <array>
#include <filesystem>

#include "formats/quote.h"
#include "io/error.h"
#include "models/config_text.h"

namespace ckpt {

const ModelFamily& gptj_family();
const ModelFamily& gpt_neox_family();

namespace {

std::string supported_list(const char* last = " and ") {
  std::string out;
  const auto families = model_families();
  for (size_t i = 0; i < families.size(); ++i) {
    if (i > 0) out += i + 1 == families.size() ? last : ", ";
    out += quoted(std::string(families[i]->model_type())) + " (" +
           std::string(families[i]->display_name()) + ")";
  }
  return out;
}

}  // namespace

std::span<const ModelFamily* const> model_families() {
  static const std::array<const ModelFamily*, 2> families{&gptj_family(), &gpt_neox_family()};
  return families;
}

ModelSpec read_hf_model_config(const std::string& path, bool share) {
  const nlohmann::json j = parse_config_json(
      read_config_text(path, "cannot read config.json (every HF model directory has one)"), path);
  auto type = j.find("model_type");
  if (type == j.end() || !type->is_string()) throw_bad_input(path, "missing \"model_type\"");
  for (const ModelFamily* f : model_families()) {
    if (type->get<std::string>() == f->model_type()) return f->from_hf_config(j, path, share);
  }
  throw_bad_input(path, "model_type " + describe_json(*type) +
                            " is not supported; ckptconv converts " + supported_list());
}

ModelSpec read_cs_model(const std::string& params_path, const VariableShape& variable,
                        const std::string& where) {
  if (std::filesystem::exists(params_path)) {
    const CsParams params = read_params_yaml(params_path);
    for (const ModelFamily* f : model_families()) {
      if (f->describes(params)) return f->from_params(params);
    }
    throw_bad_input(params_path, "describes no model ckptconv knows (" + supported_list() + ")");
  }
  for (const ModelFamily* f : model_families()) {
    if (f->recognises(variable)) return f->from_variables(variable, where);
  }
  throw_bad_input(where, "no params.yaml beside it and the variables do not look like " +
                             supported_list(" or "));
}

}  // namespace ckpt
