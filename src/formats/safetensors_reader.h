// safetensors files: u64 header length, JSON header, one byte buffer. Every rule of the
// format is checked (header <= 100 MB, known dtypes, offsets tile the buffer exactly,
// shape x itemsize = byte length) and a violation throws Error(kBadInput) naming the file.
#pragma once

#include <string>

#include "formats/checkpoint.h"
#include "io/mapped_file.h"

namespace ckpt {

// Tensors in data-offset order; `__metadata__` is ignored.
Checkpoint read_safetensors_file(const std::string& path);
// The same for a file already mapped (whoever opened it to tell its format).
// REQUIRES: file is non-null (checked: std::invalid_argument).
Checkpoint read_safetensors_file(const MappedFilePtr& file);

}  // namespace ckpt
