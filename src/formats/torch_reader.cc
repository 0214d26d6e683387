// Placeholder until the PyTorch reader lands; keeps the library linkable.
#include "formats/torch_reader.h"

#include "io/error.h"

namespace ckpt {

Checkpoint read_pytorch_file(const std::string& path) {
  throw_bad_input(path, "PyTorch checkpoints are not supported yet");
}

}  // namespace ckpt
