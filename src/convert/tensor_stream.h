// Streams one input tensor into the open output tensor as float32 (widened, rows selected,
// transposed as the op says), a bounded buffer at a time, splitting the work across the
// workers, and hands consumed input pages back to the kernel as it goes.
//
// The logical source L is the input with its first dimension re-indexed by `row_map`:
// L[j, ...] = source[row_map[j], ...] (an empty map is the identity). The output is L, or L
// transposed for TensorOp::kTranspose (L then has two dimensions).
//
// Contiguous inputs are read in place through the mapping: copies chunk by chunk; transposes
// as panels of output rows, each panel a walk down all input rows in 64-row blocks whose pages
// are dropped from the mapping right after (so the resident set stays bounded by the output
// buffers, with no read syscalls at all). Output rows larger than a buffer are split across
// buffers. Non-contiguous views (PyTorch strided tensors) go through the generic gather.
#pragma once

#include <cstdint>
#include <span>

#include "convert/workers.h"
#include "convert/write_behind.h"
#include "formats/tensor_view.h"
#include "models/name_mapping.h"

namespace ckpt {

// Writes begin_tensor(spec), the bytes, end_tensor() through `out`.
// REQUIRES: every row_map entry is in [0, source.shape[0]); a non-empty row_map only with a
// contiguous source of at least one dimension; spec holds exactly the output's elements;
// out.buffer_bytes() >= 4.
// Throws Error(kBadInput) for dtypes or layouts that cannot be converted.
void stream_tensor(const TensorView& source, TensorOp op, std::span<const int64_t> row_map,
                   const TensorSpec& spec, WriteBehind& out, Workers& workers);

// The same with the identity row map, also returning the crc32c (unmasked) of the source's
// bytes in storage order, computed in the same pass: to-hf checks a TF variable's stored crc
// without reading it twice. REQUIRES: source.is_contiguous().
uint32_t stream_tensor_with_crc(const TensorView& source, TensorOp op, const TensorSpec& spec,
                                WriteBehind& out, Workers& workers);

// Writes logical rows [j0, j1) of op(view) as float32 into `dst` ((j1 - j0) * row elements
// words), where a row of op(view) is a slice of its first dimension. A transposed contiguous
// matrix is read in place like stream_tensor's panels (pages released as they are used), so
// memory stays bounded by `dst`. REQUIRES: 0 <= j0 <= j1 <= rows of op(view).
void read_logical_rows(const TensorView& view, TensorOp op, int64_t j0, int64_t j1, uint32_t* dst,
                       Workers& workers);

}  // namespace ckpt
