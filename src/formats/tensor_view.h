// A tensor as a reader found it: metadata plus where its elements live in a mapped file.
// Views never own or copy element data. Strides are in elements, as PyTorch counts them, so
// non-contiguous views (transposed, sliced, sharing a storage) are described exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "io/mapped_file.h"

namespace ckpt {

using Shape = std::vector<int64_t>;

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  Shape strides;        // elements; empty for a 0-dim tensor
  MappedFilePtr file;   // keeps the mapping alive
  uint64_t offset = 0;  // byte offset in `file` of element [0, ..., 0]

  int64_t numel() const;
  // numel * itemsize: the size of the tensor once made contiguous.
  uint64_t byte_size() const;
  bool is_contiguous() const;
  // Pointer to element [0, ..., 0].
  const uint8_t* data() const { return file->data() + offset; }
  // Bytes [offset, offset + span_bytes()) hold every element the strides can reach.
  uint64_t span_bytes() const;
};

// Row-major strides for `shape`.
Shape contiguous_strides(const Shape& shape);
// Product of dims (1 for a scalar). Returns -1 on overflow or a negative dim.
int64_t shape_numel(const Shape& shape);
// "[128, 64]"
std::string shape_to_string(const Shape& shape);

}  // namespace ckpt
