// Tells the torch.save flavour by the file's first bytes and dispatches.
#include "formats/torch_reader.h"

#include <cstring>
#include <stdexcept>

#include "formats/git_lfs_pointer.h"
#include "formats/torch_formats.h"
#include "formats/zip_reader.h"
#include "io/error.h"

namespace ckpt {

Checkpoint read_pytorch_file(const std::string& path) {
  return read_pytorch_file(MappedFile::open(path));
}

Checkpoint read_pytorch_file(const MappedFilePtr& file) {
  if (file == nullptr) throw std::invalid_argument("read_pytorch_file: no file");
  const std::string& path = file->path();
  const std::string_view head(reinterpret_cast<const char*>(file->data()),
                              std::min<uint64_t>(file->size(), 64));
  refuse_git_lfs_pointer(*file);
  if (looks_like_zip(*file)) return read_torch_zip(file);
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x80) return read_torch_legacy(file);
  if (file->size() == 0) throw_bad_input(path, "is empty, not a PyTorch checkpoint");
  throw_bad_input(path,
                  "not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save file)");
}

}  // namespace ckpt
