// The supported model families, keyed by config.json `model_type`.
#pragma once

#include <span>
#include <string>

#include "models/model_family.h"

namespace ckpt {

std::span<const ModelFamily* const> model_families();

// Reads `path` (config.json, size- and depth-capped) and gives its family's validated spec.
// Throws Error(kBadInput) naming `path` for an unreadable file or an unsupported model_type
// (the message lists the supported ones), plus whatever the family refuses.
ModelSpec read_hf_model_config(const std::string& path, bool share);

// to-hf: the spec from `params_path` when that file exists, else from the variable names.
// Throws Error(kBadInput) naming `params_path` or `where` (the bundle).
ModelSpec read_cs_model(const std::string& params_path, const VariableShape& variable,
                        const std::string& where);

}  // namespace ckpt
