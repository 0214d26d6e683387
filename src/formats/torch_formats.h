// The two on-disk flavours of torch.save, behind read_pytorch_file (torch_reader.cc).
#pragma once

#include "formats/checkpoint.h"
#include "io/mapped_file.h"

namespace ckpt {

// torch.save >= 1.6: a zip of <folder>/data.pkl + <folder>/data/<key> storages.
Checkpoint read_torch_zip(const MappedFilePtr& file);
// torch.save(..., _use_new_zipfile_serialization=False): five pickles, then raw storages.
Checkpoint read_torch_legacy(const MappedFilePtr& file);

}  // namespace ckpt
