// A model family (GPT-J, GPT-NeoX, ...): everything ckptconv knows about one HF `model_type`.
// convert, verify and to-hf work on a family through this interface only; nothing outside
// src/models names a model.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "formats/tensor_view.h"
#include "models/cs_params.h"
#include "models/name_mapping.h"

namespace ckpt {

class ModelFamily;

// One validated model: its family, the Cerebras params it converts to, and the dimensions
// its mapping table is expanded with.
struct ModelSpec {
  const ModelFamily* family = nullptr;
  CsParams params;
  ModelDims dims;
  std::string summary;             // the dimensions as the source file names them, for messages
  std::vector<std::string> notes;  // said once on stderr ("ckptconv: note: ...")
};

// The shape of a TF variable by name, or null when the checkpoint has no such variable.
using VariableShape = std::function<const Shape*(const std::string& name)>;

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;

  virtual std::string_view model_type() const = 0;    // config.json's, e.g. "gptj"
  virtual std::string_view display_name() const = 0;  // e.g. "GPT-J"
  virtual const ModelTable& table() const = 0;

  // config.json (an object) -> spec for convert/verify with the --share_embeddings flag.
  // Throws Error(kBadInput) naming `path` and the config key for anything the Cerebras model
  // cannot run; Error(kUsage) when `share` is asked of a model that cannot share.
  virtual ModelSpec from_hf_config(const nlohmann::json& config, const std::string& path,
                                   bool share) const = 0;

  // to-hf, with params.yaml: whether it describes this family, and the spec it gives.
  virtual bool describes(const CsParams& params) const = 0;
  virtual ModelSpec from_params(const CsParams& params) const = 0;

  // to-hf, without params.yaml: whether the variables look like this family, and the spec
  // they give (or Error(kBadInput) naming `where` when they cannot give one).
  virtual bool recognises(const VariableShape& variable) const = 0;
  virtual ModelSpec from_variables(const VariableShape& variable,
                                   const std::string& where) const = 0;

  // The config.json HF would write for the model to-hf produces (params.share_embedding_weights
  // says whether its output layer was shared).
  virtual std::string hf_config_json(const CsParams& params) const = 0;
};

}  // namespace ckpt
