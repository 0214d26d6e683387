// A tensor as a reader found it: metadata plus where its elements live in a mapped file.
// Views never own or copy element data. Strides are in elements, as PyTorch counts them, so
// non-contiguous views (transposed, sliced, sharing a storage) are described exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "io/mapped_file.h"

namespace ckpt {

using Shape = std::vector<int64_t>;

// Bytes [begin, begin + size) of a file that a view must stay inside (a storage, a data
// buffer, an index entry's extent), called `what` in messages ("storage '0'").
struct ByteRegion {
  uint64_t begin = 0;
  uint64_t size = 0;
  std::string what;
};

struct TensorView {
  // The one way readers turn metadata from a file into a view; every argument may be hostile.
  // Checks, overflow-safe: every dimension >= 0; the element count and byte size fit in int64;
  // the strides (row-major when nullopt) are one per dimension, >= 0 and fit in int64; the
  // bytes the strides can reach, [offset, offset + span_bytes()), lie inside `within` (the
  // whole file when nullopt), which lies inside the file. `offset` counts from the start of the
  // file. Throws Error(kBadInput) naming file->path() and the tensor. Modelled on the
  // safetensors crate's TensorView::new validation.
  static TensorView make(std::string name, DType dtype, Shape shape, std::optional<Shape> strides,
                         MappedFilePtr file, uint64_t offset,
                         const std::optional<ByteRegion>& within = std::nullopt);

  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  Shape strides;        // elements; empty for a 0-dim tensor
  MappedFilePtr file;   // keeps the mapping alive
  uint64_t offset = 0;  // byte offset in `file` of element [0, ..., 0]

  // The accessors below REQUIRE a view make() accepted (or one built from trusted values):
  // they do not check for overflow again.
  int64_t numel() const;
  // numel * itemsize: the size of the tensor once made contiguous.
  uint64_t byte_size() const;
  bool is_contiguous() const;
  // Pointer to element [0, ..., 0].
  const uint8_t* data() const { return file->data() + offset; }
  // Bytes [offset, offset + span_bytes()) hold every element the strides can reach.
  uint64_t span_bytes() const;
};

// Row-major strides for `shape`, or nullopt when a dimension is negative or a stride does not
// fit in int64 (a [0, 2^40, 2^40] tensor has no elements but a first stride of 2^80).
std::optional<Shape> contiguous_strides(const Shape& shape);
// Product of dims (1 for a scalar). Returns -1 on overflow or a negative dim.
int64_t shape_numel(const Shape& shape);
// shape_numel * dtype_size, or -1 when either overflows int64 or a dim is negative.
int64_t shape_bytes(const Shape& shape, DType dtype);
// "[128, 64]"
std::string shape_to_string(const Shape& shape);

}  // namespace ckpt
