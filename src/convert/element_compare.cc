#include "convert/element_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "io/crc32c.h"
#include "io/interrupt.h"

namespace ckpt {
namespace {

constexpr int64_t kBlockRows = 16;
constexpr uint64_t kChunkBytes = 16u << 20;

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// The HF element at logical 2-D index (i, j) of `hf` as float32 bits.
struct HfReader {
  const uint8_t* base;
  DType dtype;
  int64_t s0, s1;  // element strides of the HF view seen as 2-D

  uint32_t at(int64_t i, int64_t j) const {
    const uint8_t* p = base + (i * s0 + j * s1) * static_cast<int64_t>(dtype_size(dtype));
    uint16_t h;
    switch (dtype) {
      case DType::kF32: {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return v;
      }
      case DType::kF16:
        std::memcpy(&h, p, 2);
        return bits_of(widen_half(h));
      case DType::kBF16:
        std::memcpy(&h, p, 2);
        return static_cast<uint32_t>(h) << 16;
      default:
        return 0;
    }
  }
};

std::string describe(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g (0x%08x)", static_cast<double>(f), bits);
  return buf;
}

}  // namespace

float widen_half(uint16_t h) {
  const int exp = (h >> 10) & 0x1F;
  const int mant = h & 0x3FF;
  const bool negative = (h & 0x8000) != 0;
  if (exp == 0x1F) {  // inf or NaN: keep the payload bits as they are
    const uint32_t bits = (negative ? 0x80000000u : 0u) | 0x7F800000u | (static_cast<uint32_t>(mant) << 13);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  const float magnitude = exp == 0 ? std::ldexp(static_cast<float>(mant), -24)
                                   : std::ldexp(static_cast<float>(1024 + mant), exp - 25);
  return negative ? -magnitude : magnitude;
}

CompareOutcome compare_tensor(const TensorView& tf, const TensorView& hf, TensorOp op, Workers& workers) {
  // TF is a contiguous float32 [rows, cols]; 0-d and 1-d tensors are one row.
  const int64_t cols = tf.shape.empty() ? 1 : tf.shape.back();
  const int64_t rows = cols == 0 ? 0 : tf.numel() / cols;
  HfReader src{hf.data(), hf.dtype, 0, 0};
  if (op == TensorOp::kTranspose) {  // TF (r, c) = HF (c, r)
    src.s0 = hf.strides[1];
    src.s1 = hf.strides[0];
  } else if (hf.is_contiguous()) {  // any rank: flat index r * cols + c
    src.s0 = cols;
    src.s1 = 1;
  } else if (hf.shape.size() == 2) {
    src.s0 = hf.strides[0];
    src.s1 = hf.strides[1];
  } else if (hf.shape.size() == 1) {
    src.s1 = hf.strides[0];
  }
  CompareOutcome out;
  std::mutex mu;
  int64_t first_bad = INT64_MAX;
  const int64_t rows_per_chunk =
      std::max<int64_t>(kBlockRows, static_cast<int64_t>(kChunkBytes / std::max<int64_t>(1, cols * 4)));
  for (int64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
    check_interrupted();
    const int64_t r1 = std::min(rows, r0 + rows_per_chunk);
    const uint8_t* tf_chunk = tf.data() + r0 * cols * 4;
    out.crc32c = crc32c_extend(out.crc32c, tf_chunk, static_cast<size_t>((r1 - r0) * cols * 4));
    workers.run(r0, r1, kBlockRows, [&](int64_t b, int64_t e) {
      uint64_t bad = 0;
      int64_t bad_at = INT64_MAX;
      uint32_t bad_tf = 0, bad_hf = 0;
      // Column-major inside a block of rows: a transposed HF walk then reads whole lines.
      for (int64_t blk = b; blk < e; blk += kBlockRows) {
        const int64_t n = std::min(kBlockRows, e - blk);
        for (int64_t c = 0; c < cols; ++c) {
          for (int64_t k = 0; k < n; ++k) {
            const int64_t r = blk + k;
            uint32_t t;
            std::memcpy(&t, tf.data() + (r * cols + c) * 4, 4);
            const uint32_t h = src.at(r, c);
            if (t != h) {
              ++bad;
              if (r * cols + c < bad_at) {
                bad_at = r * cols + c;
                bad_tf = t;
                bad_hf = h;
              }
            }
          }
        }
      }
      if (bad == 0) return;
      std::lock_guard<std::mutex> lock(mu);
      out.mismatches += bad;
      if (bad_at < first_bad) {
        first_bad = bad_at;
        std::string index = tf.shape.size() == 2
                                ? "[" + std::to_string(bad_at / cols) + ", " + std::to_string(bad_at % cols) + "]"
                                : "[" + std::to_string(bad_at) + "]";
        out.first_mismatch = index + ": TF " + describe(bad_tf) + " != HF " + describe(bad_hf);
      }
    });
    if (op == TensorOp::kTranspose && hf.is_contiguous()) {
      const auto item = static_cast<uint64_t>(dtype_size(hf.dtype));
      hf.file->release_columns(hf.offset, static_cast<uint64_t>(hf.strides[0]) * item,
                               static_cast<uint64_t>(hf.shape[0]), static_cast<uint64_t>(r0) * item,
                               static_cast<uint64_t>(r1) * item);
    }
    tf.file->release(tf.offset + static_cast<uint64_t>(r0 * cols * 4), static_cast<uint64_t>((r1 - r0) * cols * 4));
  }
  hf.file->release(hf.offset, hf.span_bytes());
  return out;
}

}  // namespace ckpt
