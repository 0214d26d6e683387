#include "convert/gather.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "convert/widen.h"
#include "formats/quote.h"
#include "io/error.h"

namespace ckpt {
namespace {

constexpr int64_t kTileRows = 16;  // one 64-byte line of float32 input per tile column

template <class Load>
void gather_with(const Gather& g, int64_t r0, int64_t r1, uint32_t* out, Load load) {
  const int64_t cols = g.cols;
  if (g.col_map != nullptr) {  // a mapped transpose through the mapping: element by element
    for (int64_t r = r0; r < r1; ++r) {
      uint32_t* dst = out + (r - r0) * cols;
      for (int64_t c = 0; c < cols; ++c)
        dst[c] = load(g.base, r * g.row_stride + g.col_map[c] * g.col_stride);
    }
    return;
  }
  if (g.col_stride == 1 || g.row_map != nullptr) {  // rows are runs in the input
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t src = (g.row_map != nullptr ? g.row_map[r] : r) * g.row_stride;
      if (g.col_stride != 1) {
        uint32_t* dst = out + (r - r0) * cols;
        for (int64_t c = 0; c < cols; ++c) dst[c] = load(g.base, src + c * g.col_stride);
        continue;
      }
      uint32_t* dst = out + (r - r0) * cols;
      if constexpr (std::is_same_v<Load, LoadF32>) {
        std::memcpy(dst, g.base + src * 4, static_cast<size_t>(cols) * 4);
      } else {
        for (int64_t c = 0; c < cols; ++c) dst[c] = load(g.base, src + c);
      }
    }
    return;
  }
  for (int64_t tile = r0; tile < r1; tile += kTileRows) {
    const int64_t n = std::min(kTileRows, r1 - tile);
    uint32_t* dst = out + (tile - r0) * cols;
    int64_t c = 0;
    if (g.row_stride == 1 && n == kTileRows) {
      // Square 16x16 blocks through a local tile: 16 contiguous loads per input row, 16
      // contiguous stores per output row, the transposition itself in L1.
      uint32_t block[kTileRows][kTileRows];
      for (; c + kTileRows <= cols; c += kTileRows) {
        for (int64_t j = 0; j < kTileRows; ++j) {
          const int64_t src = (c + j) * g.col_stride + tile;
          for (int64_t k = 0; k < kTileRows; ++k) block[k][j] = load(g.base, src + k);
        }
        for (int64_t k = 0; k < kTileRows; ++k)
          std::memcpy(dst + k * cols + c, block[k], sizeof block[k]);
      }
    }
    for (; c < cols; ++c) {
      const int64_t src = c * g.col_stride + tile * g.row_stride;
      for (int64_t k = 0; k < n; ++k) dst[k * cols + c] = load(g.base, src + k * g.row_stride);
    }
  }
}

}  // namespace

Gather make_gather(const TensorView& t, TensorOp op) {
  const std::string file = t.file ? t.file->path() : std::string();
  if (t.dtype != DType::kF32 && t.dtype != DType::kF16 && t.dtype != DType::kBF16) {
    throw_bad_input(file, "tensor " + quoted(t.name) + ": cannot convert dtype " +
                              std::string(dtype_name(t.dtype)) + " to float32 exactly");
  }
  Gather g;
  g.base = t.data();
  g.dtype = t.dtype;
  const size_t dims = t.shape.size();
  if (op == TensorOp::kTranspose) {
    // Output [C, R] from input [R, C]: output row r is input column r.
    g.rows = t.shape.at(1);
    g.cols = t.shape.at(0);
    g.row_stride = t.strides.at(1);
    g.col_stride = t.strides.at(0);
    return g;
  }
  if (t.is_contiguous()) {
    g.cols = dims == 0 ? 1 : std::max<int64_t>(1, t.shape.back());
    g.rows = g.cols == 0 ? 0 : t.numel() / g.cols;
    g.row_stride = g.cols;
    g.col_stride = 1;
  } else if (dims == 1) {
    g.rows = t.shape[0];
    g.cols = 1;
    g.row_stride = t.strides[0];
    g.col_stride = 1;
  } else if (dims == 2) {
    g.rows = t.shape[0];
    g.cols = t.shape[1];
    g.row_stride = t.strides[0];
    g.col_stride = t.strides[1];
  } else {
    throw_bad_input(file, "tensor " + quoted(t.name) + ": non-contiguous views of " +
                              std::to_string(dims) + " dimensions are not supported");
  }
  return g;
}

Gather make_row_gather(const TensorView& t, TensorOp op) {
  Gather g = make_gather(t, op);
  if (op == TensorOp::kCopy && (t.shape.size() == 1 || t.is_contiguous())) {
    g.rows = t.shape.at(0);
    g.cols = g.rows == 0 ? 0 : t.numel() / g.rows;
    g.row_stride = t.strides.at(0);
    g.col_stride = 1;
  }
  return g;
}

Gather make_mapped_gather(const TensorView& t, TensorOp op, std::span<const int64_t> row_map) {
  if (row_map.empty()) return make_gather(t, op);
  Gather g = make_row_gather(t, op);
  if (op == TensorOp::kTranspose) {
    g.cols = static_cast<int64_t>(row_map.size());
    g.col_map = row_map.data();
  } else {
    g.rows = static_cast<int64_t>(row_map.size());
    g.row_map = row_map.data();
  }
  return g;
}

void gather_rows(const Gather& g, int64_t r0, int64_t r1, uint32_t* out) {
  switch (g.dtype) {
    case DType::kF32:
      return gather_with(g, r0, r1, out, LoadF32{});
    case DType::kF16:
      return gather_with(g, r0, r1, out, LoadF16{});
    case DType::kBF16:
      return gather_with(g, r0, r1, out, LoadBF16{});
    default:
      return;  // make_gather refused every other dtype
  }
}

}  // namespace ckpt
