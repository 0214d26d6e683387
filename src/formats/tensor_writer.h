// The write side's single interface: a checkpoint is written one tensor at a time, each
// tensor's bytes pushed in chunks, so no writer ever needs a whole tensor in memory.
//
//   writer.begin_tensor({name, dtype, shape});
//   writer.append(chunk) ...   // exactly numel * dtype_size bytes in total, row-major
//   writer.end_tensor();
//   ...
//   writer.finish();           // index / header / footer written, all under temporary names
//   writer.commit();           // renamed into place; until then nothing is visible
//
// Destroying a writer before commit() removes every temporary file it created.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "formats/tensor_view.h"

namespace ckpt {

struct TensorSpec {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;

  uint64_t byte_size() const {
    return static_cast<uint64_t>(shape_numel(shape)) * dtype_size(dtype);
  }
};

class TensorWriter {
 public:
  virtual ~TensorWriter() = default;

  // Throws Error(kBadInput) for a duplicate name or a spec the format cannot hold.
  virtual void begin_tensor(const TensorSpec& spec) = 0;
  // Throws Error(kBadInput) when more bytes arrive than the spec holds; Error(kIo) on write
  // failures (disk full names the output file).
  virtual void append(std::span<const uint8_t> bytes) = 0;
  // Throws Error(kBadInput) when fewer bytes arrived than the spec holds.
  virtual void end_tensor() = 0;
  virtual void finish() = 0;
  virtual void commit() = 0;

  // Where in its file the data of the index-th tensor (in arrival order) will begin, for a
  // writer given every spec up front; nullopt otherwise. A producer that lays its buffers out
  // to agree with it modulo the direct I/O alignment has them written without a copy (see
  // DirectAppender::in_place_part()); a wrong answer only costs that copy. Reads only what the
  // writer was constructed with: may be called from any thread while it writes.
  virtual std::optional<uint64_t> planned_data_offset(size_t /*index*/) const {
    return std::nullopt;
  }
};

}  // namespace ckpt
