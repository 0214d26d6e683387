// Variables a training run saves beside the model weights, which verify passes over (with a
// count) instead of calling them unexpected.
#pragma once

#include <set>
#include <string>

namespace ckpt {

// True for the step counter (`global_step`), TF1 Adam's accumulators (`beta1_power`,
// `beta2_power`) and optimizer slots: a model variable's name followed by "/" and the slot
// (`<var>/Adam`, `<var>/Adam_1`, `<var>/Momentum`, ...). `model_variables` are the names the
// checkpoint is expected to hold.
bool is_training_state(const std::string& name, const std::set<std::string>& model_variables);

}  // namespace ckpt
