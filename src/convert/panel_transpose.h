// The two inner loops of convert's streaming: widening a contiguous run of elements, and
// transposing a block of input rows into a panel of output rows, both to float32 bit patterns.
// Inputs are read where they lie (in a mapped file), so rows are given by pointer: a row
// selection or permutation costs nothing.
#pragma once

#include <cstdint>

#include "formats/dtype.h"

namespace ckpt {

// out[i] = float32 bits of element i of `src`, for i in [0, n).
// REQUIRES: dtype is kF32, kF16 or kBF16.
void widen_run(const uint8_t* src, DType dtype, int64_t n, uint32_t* out);

// out[c * out_pitch + j] = float32 bits of element c of row j, for j in [0, rows), c in
// [0, cols): rows[j] points at the first element of input row j that is wanted. float32 goes
// through 4x4 SSE tiles inside 64x64 blocks, so each input and output page is touched by one
// block at a time. REQUIRES: dtype is kF32, kF16 or kBF16; out_pitch >= rows.
void transpose_rows(const uint8_t* const* rows, DType dtype, int64_t n_rows, int64_t cols,
                    uint32_t* out, int64_t out_pitch);

}  // namespace ckpt
