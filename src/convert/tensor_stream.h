// Streams one input tensor view into the open output tensor as float32 (widened, transposed
// as the op says, rows selected by a row map), a bounded buffer at a time, splitting each
// buffer's rows across the workers, and hands consumed input pages back to the kernel as it
// goes.
#pragma once

#include <span>

#include "convert/workers.h"
#include "convert/write_behind.h"
#include "formats/tensor_view.h"
#include "models/name_mapping.h"

namespace ckpt {

// Writes begin_tensor(spec), the bytes, end_tensor() through `out`. The logical source is
// L[j, ...] = source[row_map[j], ...] (empty map: the source itself); the output is L (kCopy)
// or L transposed (kTranspose, 2-D).
// REQUIRES: every row_map entry < source.shape[0]; spec's element count = L's.
void stream_tensor(const TensorView& source, TensorOp op, std::span<const int64_t> row_map,
                   const TensorSpec& spec, WriteBehind& out, Workers& workers);

// Writes logical rows [j0, j1) of op(view) as float32 into `dst` ((j1 - j0) * row elements
// words), where a row of op(view) is a slice of its first dimension. Transposes of contiguous
// matrices read the needed column block with pread, so memory stays bounded by `dst` plus a
// staging copy of the same size. REQUIRES: 0 <= j0 <= j1 <= rows of op(view).
void read_logical_rows(const TensorView& view, TensorOp op, int64_t j0, int64_t j1, uint32_t* dst,
                       Workers& workers);

}  // namespace ckpt
