// Writes safetensors files. The header must precede the data, so the writer is given every
// tensor's spec up front; tensors then arrive in that order through the TensorWriter calls.
// With a shard size limit it writes model-0000i-of-0000n.safetensors plus
// model.safetensors.index.json as HuggingFace does.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/tensor_writer.h"

namespace ckpt {

struct SafetensorsOptions {
  std::map<std::string, std::string> metadata{{"format", "pt"}};
  uint64_t max_shard_bytes = 0;  // 0: a single file
};

// `dir`/model.safetensors (or shards + index). Tensors must arrive in `specs` order.
std::unique_ptr<TensorWriter> make_safetensors_writer(const std::string& dir,
                                                      std::vector<TensorSpec> specs,
                                                      const SafetensorsOptions& options = {});

}  // namespace ckpt
