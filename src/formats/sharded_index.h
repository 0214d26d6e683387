// HuggingFace sharded checkpoints: an index JSON ({"metadata":{"total_size":N},
// "weight_map":{tensor: shard file}}) beside the shard files it names. Each shard is read by
// its own format's reader (".safetensors" or a torch.save file) and opened once; the result
// is one Checkpoint in weight_map order.
#pragma once

#include <string>

#include "formats/checkpoint.h"

namespace ckpt {

// Format "sharded-safetensors" or "sharded-pytorch"; `files` = the index, then each shard in
// order of first mention. Throws Error(kBadInput) naming the index (or the shard) when the
// index is malformed, a shard name leaves the directory, a mapped tensor is missing from its
// shard, or a shard holds a tensor the weight_map does not assign to it.
Checkpoint read_sharded_index(const std::string& index_path);

}  // namespace ckpt
