// The read side's single entry point: whatever the on-disk format, a checkpoint is a list of
// tensor views in a stable order plus a description of where they came from.
#pragma once

#include <string>
#include <vector>

#include "formats/tensor_view.h"

namespace ckpt {

struct Checkpoint {
  // "pytorch-zip", "pytorch-legacy", "safetensors", "sharded-pytorch", "sharded-safetensors",
  // "tf-bundle".
  std::string format;
  std::vector<std::string> files;   // every file read, in the order read
  std::vector<TensorView> tensors;  // in the file's own order (shards: weight_map order)

  const TensorView* find(const std::string& name) const;
};

}  // namespace ckpt
