// The small JSON files convert writes beside the bundle, as the reference script does:
// keys.json (HF name -> TF name, or the list of TF names, in table order, when one HF tensor
// feeds several variables) and shapes.json (HF name -> whether it was transposed).
#pragma once

#include <string>

#include "convert/plan.h"

namespace ckpt {

std::string keys_json(const Plan& plan);
std::string shapes_json(const Plan& plan);

}  // namespace ckpt
