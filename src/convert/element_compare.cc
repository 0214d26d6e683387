#include "convert/element_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "io/crc32c.h"
#include "io/interrupt.h"

namespace ckpt {
namespace {

constexpr int64_t kBlockRows = 16;
constexpr uint64_t kChunkBytes = 64u << 20;  // larger blocks: fewer preads for transposes

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// verify's own half table, built from the arithmetic widen_half (not convert's bit routine).
const uint32_t* half_table() {
  static const std::vector<uint32_t> table = [] {
    std::vector<uint32_t> t(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = bits_of(widen_half(static_cast<uint16_t>(h)));
    return t;
  }();
  return table.data();
}

// The HF element at 2-D index (i, j) as float32 bits: base + (i * s0 + j * s1) elements.
struct HfReader {
  const uint8_t* base;
  DType dtype;
  int64_t s0, s1;
};

struct Mismatch {
  uint64_t count = 0;
  int64_t first = INT64_MAX;  // flat TF index
  uint32_t tf = 0, hf = 0;
};

template <DType D>
uint32_t load(const uint8_t* p) {
  if constexpr (D == DType::kF32) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  } else {
    uint16_t h;
    std::memcpy(&h, p, 2);
    if constexpr (D == DType::kF16) return half_table()[h];
    return static_cast<uint32_t>(h) << 16;
  }
}

void note(Mismatch& m, int64_t at, uint32_t tf, uint32_t hf) {
  if (m.count++ == 0 || at < m.first) {
    m.first = at;
    m.tf = tf;
    m.hf = hf;
  }
}

// Compares TF float32 rows [b, e) (row r at tf + (r - tf_base) * cols) with src, whose row
// index is r - row_base.
template <DType D>
Mismatch compare_rows(const uint8_t* tf, int64_t tf_base, int64_t cols, int64_t b, int64_t e,
                      const HfReader& src, int64_t row_base) {
  constexpr int64_t item = D == DType::kF32 ? 4 : 2;
  Mismatch m;
  auto check = [&](int64_t r, int64_t c, const uint8_t* hf) {
    uint32_t t;
    std::memcpy(&t, tf + ((r - tf_base) * cols + c) * 4, 4);
    const uint32_t h = load<D>(hf);
    if (t != h) note(m, r * cols + c, t, h);
  };
  if (D == DType::kF32 && src.s1 == 1) {  // rows are contiguous on both sides: compare bytes
    for (int64_t r = b; r < e; ++r) {
      const uint8_t* hf_row = src.base + (r - row_base) * src.s0 * item;
      if (std::memcmp(tf + (r - tf_base) * cols * 4, hf_row, static_cast<size_t>(cols) * 4) == 0)
        continue;
      for (int64_t c = 0; c < cols; ++c) check(r, c, hf_row + c * item);
    }
    return m;
  }
  // 16 TF rows at a time. A transposed source (s0 == 1) goes through a 16x16 block so both
  // sides are read in 64-byte runs; other layouts column by column.
  for (int64_t blk = b; blk < e; blk += kBlockRows) {
    const int64_t rows = std::min(kBlockRows, e - blk);
    const uint8_t* hf_blk = src.base + (blk - row_base) * src.s0 * item;
    int64_t c = 0;
    if (src.s0 == 1 && rows == kBlockRows) {
      uint32_t block[kBlockRows][kBlockRows];
      for (; c + kBlockRows <= cols; c += kBlockRows) {
        for (int64_t j = 0; j < kBlockRows; ++j) {
          const uint8_t* hf_col = hf_blk + (c + j) * src.s1 * item;
          for (int64_t k = 0; k < kBlockRows; ++k) block[k][j] = load<D>(hf_col + k * item);
        }
        for (int64_t k = 0; k < kBlockRows; ++k) {
          if (std::memcmp(tf + ((blk + k - tf_base) * cols + c) * 4, block[k], sizeof block[k]) ==
              0)
            continue;
          for (int64_t j = 0; j < kBlockRows; ++j)
            check(blk + k, c + j, hf_blk + ((c + j) * src.s1 + k) * item);
        }
      }
    }
    for (; c < cols; ++c) {
      const uint8_t* hf_col = hf_blk + c * src.s1 * item;
      for (int64_t k = 0; k < rows; ++k) check(blk + k, c, hf_col + k * src.s0 * item);
    }
  }
  return m;
}

Mismatch compare_any(const uint8_t* tf, int64_t tf_base, int64_t cols, int64_t b, int64_t e,
                     const HfReader& src, int64_t row_base) {
  switch (src.dtype) {
    case DType::kF16:
      return compare_rows<DType::kF16>(tf, tf_base, cols, b, e, src, row_base);
    case DType::kBF16:
      return compare_rows<DType::kBF16>(tf, tf_base, cols, b, e, src, row_base);
    default:
      return compare_rows<DType::kF32>(tf, tf_base, cols, b, e, src, row_base);
  }
}

// TF float16 / bfloat16 elements [0, n) of `in` as float32 bits (verify's own widening).
void widen_tf(DType d, const uint8_t* in, int64_t b, int64_t e, uint32_t* out) {
  for (int64_t i = b; i < e; ++i) {
    out[i] = d == DType::kF16 ? load<DType::kF16>(in + i * 2) : load<DType::kBF16>(in + i * 2);
  }
}

// TF float32 rows [b, e) (cols wide, row r at tf + (r - tf_base) * cols) of a row-selected
// source, element by element: TF (r, c) is HF (map[c], r) for a transpose, and for a copy flat
// index k is HF row map[k / width], column k % width of the HF tensor seen as [rows, width]
// with strides (s0, s1).
template <DType D>
Mismatch compare_mapped(const uint8_t* tf, int64_t tf_base, int64_t cols, int64_t b, int64_t e,
                        const HfReader& src, std::span<const int64_t> map, bool transposed,
                        int64_t width) {
  constexpr int64_t item = D == DType::kF32 ? 4 : 2;
  Mismatch m;
  for (int64_t r = b; r < e; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t k = r * cols + c;
      const int64_t at = transposed
                             ? map[static_cast<size_t>(c)] * src.s0 + r * src.s1
                             : map[static_cast<size_t>(k / width)] * src.s0 + (k % width) * src.s1;
      uint32_t t;
      std::memcpy(&t, tf + (k - tf_base * cols) * 4, 4);
      const uint32_t h = load<D>(src.base + at * item);
      if (t != h) note(m, k, t, h);
    }
  }
  return m;
}

Mismatch compare_mapped_any(const uint8_t* tf, int64_t tf_base, int64_t cols, int64_t b, int64_t e,
                            const HfReader& src, std::span<const int64_t> map, bool transposed,
                            int64_t width) {
  switch (src.dtype) {
    case DType::kF16:
      return compare_mapped<DType::kF16>(tf, tf_base, cols, b, e, src, map, transposed, width);
    case DType::kBF16:
      return compare_mapped<DType::kBF16>(tf, tf_base, cols, b, e, src, map, transposed, width);
    default:
      return compare_mapped<DType::kF32>(tf, tf_base, cols, b, e, src, map, transposed, width);
  }
}

// Stages HF rows map[b] .. map[e - 1] (or b .. e - 1), bytes [from, to) of each, packed.
void stage_rows(const TensorView& hf, std::span<const int64_t> map, int64_t b, int64_t e,
                uint64_t from, uint64_t to, uint8_t* dst) {
  const auto pitch = static_cast<uint64_t>(hf.strides[0]) * dtype_size(hf.dtype);
  for (int64_t c = b; c < e;) {
    const int64_t row = map.empty() ? c : map[static_cast<size_t>(c)];
    int64_t run = 1;
    while (c + run < e && (map.empty() || map[static_cast<size_t>(c + run)] == row + run)) ++run;
    hf.file->read_columns(hf.offset + static_cast<uint64_t>(row) * pitch, pitch,
                          static_cast<uint64_t>(run), from, to, dst + (c - b) * (to - from));
    c += run;
  }
}

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
    const uint32_t bits =
        (negative ? 0x80000000u : 0u) | 0x7F800000u | (static_cast<uint32_t>(mant) << 13);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  const float magnitude = exp == 0 ? std::ldexp(static_cast<float>(mant), -24)
                                   : std::ldexp(static_cast<float>(1024 + mant), exp - 25);
  return negative ? -magnitude : magnitude;
}

CompareOutcome compare_tensor(const TensorView& tf, const TensorView& hf, TensorOp op,
                              std::span<const int64_t> row_map, Workers& workers) {
  if (!tf.is_contiguous() ||
      (tf.dtype != DType::kF32 && tf.dtype != DType::kF16 && tf.dtype != DType::kBF16)) {
    throw std::invalid_argument("compare_tensor: '" + tf.name +
                                "' is not a contiguous float32/float16/bfloat16 tensor");
  }
  // TF is a contiguous float32, float16 or bfloat16 [rows, cols]; 0-d and 1-d tensors are one
  // row. Half-precision TF rows are widened a chunk at a time into `tf_wide`.
  const int64_t cols = tf.shape.empty() ? 1 : tf.shape.back();
  const int64_t rows = cols == 0 ? 0 : tf.numel() / cols;
  const auto item = static_cast<int64_t>(dtype_size(hf.dtype));
  const auto tf_item = static_cast<int64_t>(dtype_size(tf.dtype));
  // A transpose of a contiguous HF matrix reads HF column blocks into `staging` (pread, so the
  // resident set stays bounded); every other layout is read through the mapping.
  const bool staged = op == TensorOp::kTranspose && hf.is_contiguous() && hf.shape.size() == 2;
  HfReader src{hf.data(), hf.dtype, 0, 0};
  // A row-selected copy, or a transpose that cannot be staged, is compared element by element
  // on the HF tensor seen as [shape[0], width].
  const bool mapped = !row_map.empty() && !staged;
  const int64_t width = hf.shape.empty() || hf.shape[0] == 0 ? 1 : hf.numel() / hf.shape[0];
  if (mapped) {
    src.s0 = hf.is_contiguous() ? width : hf.strides[0];
    src.s1 = hf.is_contiguous() ? 1 : (hf.shape.size() == 2 ? hf.strides[1] : 0);
  } else if (op == TensorOp::kTranspose) {  // TF (r, c) = HF (c, r)
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
  int64_t first_bad = INT64_MAX;
  const int64_t rows_per_chunk = std::max<int64_t>(
      kBlockRows, static_cast<int64_t>(kChunkBytes / std::max<int64_t>(1, cols * 4)));
  std::vector<uint8_t> staging(
      staged ? static_cast<size_t>(std::min(rows, rows_per_chunk) * cols * item) : 0);
  std::vector<uint32_t> tf_wide(
      tf.dtype == DType::kF32 ? 0 : static_cast<size_t>(std::min(rows, rows_per_chunk) * cols));
  if (staged) hf.file->cache_sequentially(hf.offset, hf.span_bytes());
  std::mutex mu;
  for (int64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
    check_interrupted();
    const int64_t r1 = std::min(rows, r0 + rows_per_chunk), n = r1 - r0;
    const uint8_t* tf_chunk = tf.data() + r0 * cols * tf_item;
    out.crc32c = crc32c_extend(out.crc32c, tf_chunk, static_cast<size_t>(n * cols * tf_item));
    const uint8_t* tf_rows = tf.data();
    int64_t tf_base = 0;
    if (!tf_wide.empty()) {
      workers.run(0, n * cols, int64_t{64} * 1024, [&](int64_t b, int64_t e) {
        widen_tf(tf.dtype, tf_chunk, b, e, tf_wide.data());
      });
      tf_rows = reinterpret_cast<const uint8_t*>(tf_wide.data());
      tf_base = r0;
    }
    HfReader chunk_src = src;
    int64_t row_base = 0;
    if (staged) {  // HF rows are TF columns; stage HF[:, r0:r1] as a [cols, n] block
      workers.run(0, cols, 256, [&](int64_t b, int64_t e) {
        stage_rows(hf, row_map, b, e, static_cast<uint64_t>(r0 * item),
                   static_cast<uint64_t>(r1 * item), staging.data() + b * n * item);
      });
      chunk_src = {staging.data(), hf.dtype, 1, n};
      row_base = r0;
    }
    workers.run(r0, r1, kBlockRows, [&](int64_t b, int64_t e) {
      const Mismatch m = mapped ? compare_mapped_any(tf_rows, tf_base, cols, b, e, src, row_map,
                                                     op == TensorOp::kTranspose, width)
                                : compare_any(tf_rows, tf_base, cols, b, e, chunk_src, row_base);
      if (m.count == 0) return;
      std::lock_guard<std::mutex> lock(mu);
      out.mismatches += m.count;
      if (m.first < first_bad) {
        first_bad = m.first;
        const std::string index =
            tf.shape.size() == 2
                ? "[" + std::to_string(m.first / cols) + ", " + std::to_string(m.first % cols) + "]"
                : "[" + std::to_string(m.first) + "]";
        out.first_mismatch = index + ": TF " + describe(m.tf) + " != HF " + describe(m.hf);
      }
    });
    tf.file->release(tf.offset + static_cast<uint64_t>(r0 * cols * tf_item),
                     static_cast<uint64_t>(n * cols * tf_item));
    if (op == TensorOp::kCopy && hf.is_contiguous() && row_map.empty()) {
      hf.file->release(hf.offset + static_cast<uint64_t>(r0 * cols * item),
                       static_cast<uint64_t>(n * cols * item));
    }
  }
  hf.file->release(hf.offset, hf.span_bytes());
  return out;
}

}  // namespace ckpt
