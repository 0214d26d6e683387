// Reads a TensorFlow tensor bundle (PREFIX.index + PREFIX.data-NNNNN-of-MMMMM) through
// libleveldb's Table: plain or snappy-compressed index blocks, one or more data shards.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/dtype.h"
#include "formats/tensor_view.h"

namespace ckpt {

struct TfBundleEntry {
  std::string name;
  DType dtype = DType::kF32;
  int tf_dtype = 0;  // the DataType enum value as stored
  Shape shape;
  int32_t shard_id = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t masked_crc32c = 0;
};

class TfBundleReader {
 public:
  // `prefix` names the bundle without ".index". Throws Error(kBadInput/kIo) naming the file.
  static std::unique_ptr<TfBundleReader> open(const std::string& prefix);
  virtual ~TfBundleReader() = default;

  // Entries in key (sorted) order, the header entry excluded.
  virtual const std::vector<TfBundleEntry>& entries() const = 0;
  virtual const TfBundleEntry* find(const std::string& name) const = 0;
  // A view of the entry's bytes in its mapped data shard (bounds-checked, not crc-checked).
  virtual TensorView view(const TfBundleEntry& entry) const = 0;
  // Checks the entry's crc32c over its bytes; throws Error(kBadInput)
  // "<data file>: crc32c mismatch for tensor '<name>' (stored 0x..., computed 0x...)".
  virtual void verify_crc(const TfBundleEntry& entry) const = 0;
  virtual std::string index_path() const = 0;
  virtual std::string data_path(int32_t shard) const = 0;
};

// Throws Error(kBadInput) "<data_file>: crc32c mismatch for tensor '<name>' (stored 0x...,
// computed 0x...)" unless `computed` (unmasked) is the entry's stored crc32c: for readers that
// checksum a tensor while streaming it instead of calling verify_crc first.
void check_tf_crc(const TfBundleEntry& entry, const std::string& data_file, uint32_t computed);

// Resolves a user path to a bundle prefix: the prefix itself, PREFIX.index, or a directory
// holding a `checkpoint` file (model_checkpoint_path) or a single *.index. Empty if none.
std::string resolve_tf_prefix(const std::string& path);

// The bundle as a Checkpoint (format "tf-bundle"), tensors in key order. DT_STRING entries are
// listed with dtype kString.
Checkpoint read_tf_bundle(const std::string& prefix);

}  // namespace ckpt
