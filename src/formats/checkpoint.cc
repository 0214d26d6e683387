#include "formats/checkpoint.h"

namespace ckpt {

const TensorView* Checkpoint::find(const std::string& name) const {
  for (const TensorView& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace ckpt
