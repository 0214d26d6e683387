// PyTorch checkpoints (`torch.save`): the zip format (>= 1.6) and the legacy format (five
// pickles back to back, pre-1.6). The format is told by the file's first bytes, not its name.
#pragma once

#include <string>

#include "formats/checkpoint.h"
#include "io/mapped_file.h"

namespace ckpt {

// Tensors in the pickle's order. Only allow-listed globals are resolved (DESIGN.md §5); any
// other global, an unknown opcode, a bad offset or a truncated file throws Error(kBadInput)
// naming `path` and the problem. Non-tensor entries are skipped.
Checkpoint read_pytorch_file(const std::string& path);
// The same for a file already mapped (whoever opened it to tell its format).
// REQUIRES: file is non-null (checked: std::invalid_argument).
Checkpoint read_pytorch_file(const MappedFilePtr& file);

}  // namespace ckpt
