// Writes a PyTorch zip checkpoint (`torch.save` format) that torch.load accepts: a protocol-2
// pickle of an OrderedDict of tensors, one stored zip entry per tensor storage, 64-byte aligned
// data, ZIP64 when needed. Tensors arrive in `specs` order through the TensorWriter calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/tensor_writer.h"

namespace ckpt {

// Writes `path` (e.g. HF/pytorch_model.bin); the archive's top folder is "archive".
std::unique_ptr<TensorWriter> make_torch_zip_writer(const std::string& path,
                                                    std::vector<TensorSpec> specs);

}  // namespace ckpt
