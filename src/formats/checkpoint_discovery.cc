#include "formats/checkpoint_discovery.h"

#include <sys/stat.h>

#include <array>
#include <cstring>
#include <set>
#include <string_view>

#include "formats/git_lfs_pointer.h"
#include "formats/safetensors_reader.h"
#include "formats/sharded_index.h"
#include "formats/tf_bundle_reader.h"
#include "formats/torch_reader.h"
#include "io/error.h"
#include "io/mapped_file.h"

namespace ckpt {
namespace {

// The HF names in order of preference (DESIGN.md §5: safetensors first).
constexpr std::array<const char*, 4> kHfNames{
    "model.safetensors.index.json",
    "model.safetensors",
    "pytorch_model.bin.index.json",
    "pytorch_model.bin",
};

enum class Kind { kMissing, kFile, kDirectory, kOther };

Kind kind_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Kind::kMissing;
  if (S_ISDIR(st.st_mode)) return Kind::kDirectory;
  if (S_ISREG(st.st_mode)) return Kind::kFile;
  return Kind::kOther;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A torch.save file announces itself: a zip local header, or the legacy format's first pickle
// (PROTO 2, then LONG1 of the 10-byte magic number 0x1950a86a20f9469cfc6c).
bool looks_like_torch(const MappedFile& file) {
  static constexpr uint8_t kZip[] = {'P', 'K', 3, 4};
  static constexpr uint8_t kLegacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                        0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
  auto starts = [&](const uint8_t* magic, size_t n) {
    return file.size() >= n && std::memcmp(file.data(), magic, n) == 0;
  };
  return starts(kZip, sizeof kZip) || starts(kLegacy, sizeof kLegacy);
}

Checkpoint open_file(const std::string& path) {
  {
    // Mapped once and handed to the reader: the mapping notes what the page cache held before
    // anything is read (MappedFile::cached_at_open), and reading the magic pulls pages in.
    MappedFilePtr head = MappedFile::open(path);
    refuse_git_lfs_pointer(*head);
    if (ends_with(path, ".index.json")) return read_sharded_index(path);
    if (ends_with(path, ".safetensors")) return read_safetensors_file(head);
    if (ends_with(path, ".bin") || ends_with(path, ".pt") || ends_with(path, ".pth") ||
        looks_like_torch(*head)) {
      return read_pytorch_file(head);
    }
  }
  // PREFIX.index or PREFIX.data-NNNNN-of-MMMMM of a TF bundle.
  const std::string prefix = resolve_tf_prefix(path);
  if (!prefix.empty()) return read_tf_bundle(prefix);
  throw_bad_input(path,
                  "not a checkpoint file this tool reads (expected *.safetensors, *.index.json, "
                  "*.bin, *.pt, *.pth or a TensorFlow bundle)");
}

}  // namespace

std::optional<std::string> find_hf_weights(const std::string& dir) {
  for (const char* name : kHfNames) {
    std::string path = dir + "/" + name;
    if (kind_of(path) == Kind::kFile) return path;
  }
  return std::nullopt;
}

namespace {

Checkpoint open_any(const std::string& path) {
  switch (kind_of(path)) {
    case Kind::kFile:
      return open_file(path);
    case Kind::kDirectory: {
      if (auto weights = find_hf_weights(path)) return open_file(*weights);
      const std::string prefix = resolve_tf_prefix(path);
      if (!prefix.empty()) return read_tf_bundle(prefix);
      throw_bad_input(path,
                      "no checkpoint found (looked for model.safetensors.index.json, "
                      "model.safetensors, pytorch_model.bin.index.json, pytorch_model.bin)");
    }
    case Kind::kOther:
      throw_bad_input(path, "is neither a file nor a directory");
    case Kind::kMissing:
      break;
  }
  // Not on disk as named: it may still be a TF prefix ("dir/model.ckpt").
  const std::string prefix = resolve_tf_prefix(path);
  if (!prefix.empty()) return read_tf_bundle(prefix);
  throw_io(path, "no such file or directory");
}

}  // namespace

Checkpoint open_checkpoint(const std::string& path) {
  Checkpoint c = open_any(path);
  // Reading the metadata touched pages spread over the files (a zip has a local header before
  // every tensor), and this kernel maps a whole large page-cache folio per fault: up to 2 MiB
  // per tensor, ~200 MiB for GPT-J 6B as a torch zip, that would stay in the resident set
  // until each tensor's own release. Hand them back before any tensor is read.
  std::set<const MappedFile*> files;
  for (const TensorView& t : c.tensors) {
    if (t.file != nullptr && files.insert(t.file.get()).second) t.file->release(0, t.file->size());
  }
  return c;
}

}  // namespace ckpt
