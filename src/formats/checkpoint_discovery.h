// Finds and opens a checkpoint given a file or a directory, whatever its format:
//   directory: model.safetensors.index.json > model.safetensors > pytorch_model.bin.index.json
//              > pytorch_model.bin (safetensors preferred); a TF bundle when the directory
//              holds a `checkpoint` file or exactly one *.index bundle;
//   file: *.index.json (sharded HF), *.safetensors, *.bin/*.pt/*.pth (zip or legacy by magic),
//         a TF `.index` file or a TF prefix (PREFIX.index exists).
// A git-lfs pointer file gets its own message: it is a pointer, not weights.
#pragma once

#include <optional>
#include <string>

#include "formats/checkpoint.h"

namespace ckpt {

Checkpoint open_checkpoint(const std::string& path);

// The HF weights file (or index) that open_checkpoint would pick in `dir`, if any.
std::optional<std::string> find_hf_weights(const std::string& dir);

}  // namespace ckpt
