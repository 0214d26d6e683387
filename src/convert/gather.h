// How an output tensor's float32 elements are found in an input tensor view: every output is
// seen as a 2-D [rows, cols] row-major array whose element (r, c) is the input element at
// base + r * row_stride + c * col_stride (in input elements). A copy of a contiguous tensor,
// a strided view, and a transpose are all just different strides.
#pragma once

#include <cstdint>
#include <span>

#include "formats/tensor_view.h"
#include "models/name_mapping.h"

namespace ckpt {

struct Gather {
  const uint8_t* base = nullptr;
  DType dtype = DType::kF32;
  int64_t rows = 1;
  int64_t cols = 1;
  int64_t row_stride = 0;
  int64_t col_stride = 1;
  const int64_t* row_map = nullptr;  // output row r is at row_map[r] * row_stride
  const int64_t* col_map = nullptr;  // output column c is at col_map[c] * col_stride
};

// Throws Error(kBadInput) for layouts convert does not handle (non-contiguous views of more
// than two dimensions, non-float dtypes).
Gather make_gather(const TensorView& source, TensorOp op);

// As make_gather, but a copy always sees the source as [shape[0], rest] rows (a row of a
// 1-D tensor is one element), so rows are the source's first dimension for either op.
// REQUIRES: a source of at least one dimension.
Gather make_row_gather(const TensorView& source, TensorOp op);

// As make_row_gather, with logical row j of the source at its first-dimension row row_map[j]
// (empty: make_gather itself).
// REQUIRES: every map entry < source.shape[0]; a 2-D source for kTranspose.
Gather make_mapped_gather(const TensorView& source, TensorOp op, std::span<const int64_t> row_map);

// Writes output rows [r0, r1) as float32 bit patterns into `out` ((r1 - r0) * cols words).
// Transposes walk 16 output rows at a time so each input cache line is read once.
void gather_rows(const Gather& g, int64_t r0, int64_t r1, uint32_t* out);

}  // namespace ckpt
