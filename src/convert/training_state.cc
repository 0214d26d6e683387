#include "convert/training_state.h"

namespace ckpt {

bool is_training_state(const std::string& name, const std::set<std::string>& model_variables) {
  if (name == "global_step" || name == "beta1_power" || name == "beta2_power") return true;
  for (size_t slash = name.find('/'); slash != std::string::npos;
       slash = name.find('/', slash + 1)) {
    if (slash + 1 < name.size() && model_variables.count(name.substr(0, slash))) return true;
  }
  return false;
}

}  // namespace ckpt
