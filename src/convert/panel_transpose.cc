#include "convert/panel_transpose.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "convert/widen.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace ckpt {
namespace {

constexpr int64_t kBlock = 64;  // input rows x output rows per cache/TLB block

void require_float(DType dtype) {
  if (dtype != DType::kF32 && dtype != DType::kF16 && dtype != DType::kBF16) {
    throw std::invalid_argument("panel_transpose: dtype " + std::string(dtype_name(dtype)) +
                                " is not a float type convert widens");
  }
}

template <class Load>
void transpose_block(const uint8_t* const* rows, int64_t j0, int64_t j1, int64_t c0, int64_t c1,
                     uint32_t* out, int64_t out_pitch, Load load) {
  for (int64_t j = j0; j < j1; ++j) {
    for (int64_t c = c0; c < c1; ++c) out[c * out_pitch + j] = load(rows[j], c);
  }
}

#if defined(__SSE2__)
// 4x4 SSE tiles into a contiguous 64x64 tile, then each tile row to its output row. Output rows
// lie a power-of-two pitch apart, so 4x4 tiles stored straight into them keep 64 lines of one
// cache set open at once (measured by bench/transpose_bench: 3.0 GB/s that way, 4.3 GB/s
// through the tile); the tile makes every store to the panel a run of whole lines.
void transpose_block_f32(const uint8_t* const* rows, int64_t j0, int64_t j1, int64_t c0, int64_t c1,
                         uint32_t* out, int64_t out_pitch) {
  if (j1 - j0 != kBlock || c1 - c0 != kBlock) {  // edges: element by element
    transpose_block(rows, j0, j1, c0, c1, out, out_pitch, LoadF32{});
    return;
  }
  alignas(64) float tile[kBlock * kBlock];
  for (int64_t j = 0; j < kBlock; j += 4) {
    const auto* r0 = reinterpret_cast<const float*>(rows[j0 + j]) + c0;
    const auto* r1 = reinterpret_cast<const float*>(rows[j0 + j + 1]) + c0;
    const auto* r2 = reinterpret_cast<const float*>(rows[j0 + j + 2]) + c0;
    const auto* r3 = reinterpret_cast<const float*>(rows[j0 + j + 3]) + c0;
    for (int64_t c = 0; c < kBlock; c += 4) {
      __m128 a = _mm_loadu_ps(r0 + c), b = _mm_loadu_ps(r1 + c);
      __m128 d = _mm_loadu_ps(r2 + c), e = _mm_loadu_ps(r3 + c);
      _MM_TRANSPOSE4_PS(a, b, d, e);
      float* o = tile + c * kBlock + j;
      _mm_store_ps(o, a);
      _mm_store_ps(o + kBlock, b);
      _mm_store_ps(o + 2 * kBlock, d);
      _mm_store_ps(o + 3 * kBlock, e);
    }
  }
  for (int64_t c = 0; c < kBlock; ++c) {
    std::memcpy(out + (c0 + c) * out_pitch + j0, tile + c * kBlock, kBlock * 4);
  }
}
#else
void transpose_block_f32(const uint8_t* const* rows, int64_t j0, int64_t j1, int64_t c0, int64_t c1,
                         uint32_t* out, int64_t out_pitch) {
  transpose_block(rows, j0, j1, c0, c1, out, out_pitch, LoadF32{});
}
#endif

}  // namespace

void widen_run(const uint8_t* src, DType dtype, int64_t n, uint32_t* out) {
  require_float(dtype);
  if (dtype == DType::kF32) {
    std::memcpy(out, src, static_cast<size_t>(n) * 4);
  } else if (dtype == DType::kF16) {
    const LoadF16 load;
    for (int64_t i = 0; i < n; ++i) out[i] = load(src, i);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = LoadBF16{}(src, i);
  }
}

void transpose_rows(const uint8_t* const* rows, DType dtype, int64_t n_rows, int64_t cols,
                    uint32_t* out, int64_t out_pitch) {
  require_float(dtype);
  if (out_pitch < n_rows) throw std::invalid_argument("transpose_rows: out_pitch < rows");
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    const int64_t c1 = std::min(cols, c0 + kBlock);
    for (int64_t j0 = 0; j0 < n_rows; j0 += kBlock) {
      const int64_t j1 = std::min(n_rows, j0 + kBlock);
      if (dtype == DType::kF32) {
        transpose_block_f32(rows, j0, j1, c0, c1, out, out_pitch);
      } else if (dtype == DType::kF16) {
        transpose_block(rows, j0, j1, c0, c1, out, out_pitch, LoadF16{});
      } else {
        transpose_block(rows, j0, j1, c0, c1, out, out_pitch, LoadBF16{});
      }
    }
  }
}

}  // namespace ckpt
