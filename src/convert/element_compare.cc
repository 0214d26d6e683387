#include "convert/element_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "convert/row_map.h"
#include "io/crc32c.h"
#include "io/interrupt.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace ckpt {
namespace {

constexpr int64_t kTile = 16;               // 16x16 element tiles for transposed compares
constexpr int64_t kHfBlockRows = 64;        // HF rows compared in one band of tiles
constexpr int64_t kSpan = 512;              // TF rows x HF rows walked together, then released
constexpr int64_t kSpanBytes = 4 << 20;     // at most this much of HF rows at once
constexpr int64_t kReleaseBytes = 1 << 20;  // compared bytes between two releases

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

// The HF side as logical rows: element (j, k) lies at base + (map(j) * s0 + k * s1) elements.
struct HfRows {
  const TensorView* view = nullptr;
  const uint8_t* base = nullptr;
  DType dtype = DType::kF32;
  int64_t item = 4;
  int64_t k = 1;   // elements per logical row
  int64_t s0 = 0;  // row stride, elements
  int64_t s1 = 1;  // element stride inside a row
  std::span<const int64_t> map;

  const uint8_t* at(int64_t j, int64_t col) const {
    return base + (source_row(map, j) * s0 + col * s1) * item;
  }
  // Hands back the mapping's pages of rows [j0, j1) (contiguous tensors only).
  void release(int64_t j0, int64_t j1) const {
    if (view->is_contiguous()) release_rows(*view, map, j0, j1, s0 * item);
  }
};

struct Mismatch {
  uint64_t count = 0;
  int64_t first = INT64_MAX;  // flat TF index
  uint32_t tf = 0, hf = 0;
};

void note(Mismatch& m, int64_t at, uint32_t tf, uint32_t hf) {
  if (m.count++ == 0 || at < m.first) {
    m.first = at;
    m.tf = tf;
    m.hf = hf;
  }
}

uint32_t tf_at(const uint8_t* tf, int64_t flat) {
  uint32_t t;
  std::memcpy(&t, tf + flat * 4, 4);
  return t;
}

// Whether the 16x16 float32 tile of TF rows starting at `tf` (`cols` elements apart) equals
// the transpose of HF rows[0..16) from byte `at` on: bits, not values (NaNs and -0 included).
// Without SSE2 it answers false, and the caller compares the tile element by element.
bool tile_equal(const uint8_t* tf, int64_t cols, const uint8_t* const* rows, int64_t at) {
#if defined(__SSE2__)
  __m128i diff = _mm_setzero_si128();
  const auto add = [&diff](__m128 hf, const uint8_t* tf_run) {  // ORs in where they differ
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tf_run));
    diff = _mm_or_si128(diff, _mm_xor_si128(_mm_castps_si128(hf), t));
  };
  const int64_t pitch = cols * 4;
  for (int64_t j = 0; j < kTile; j += 4) {    // HF rows j..j+3: TF columns j..j+3
    for (int64_t i = 0; i < kTile; i += 4) {  // HF elements i..i+3: TF rows i..i+3
      __m128 a = _mm_loadu_ps(reinterpret_cast<const float*>(rows[j] + at) + i);
      __m128 b = _mm_loadu_ps(reinterpret_cast<const float*>(rows[j + 1] + at) + i);
      __m128 c = _mm_loadu_ps(reinterpret_cast<const float*>(rows[j + 2] + at) + i);
      __m128 d = _mm_loadu_ps(reinterpret_cast<const float*>(rows[j + 3] + at) + i);
      _MM_TRANSPOSE4_PS(a, b, c, d);
      const uint8_t* t = tf + (i * cols + j) * 4;
      add(a, t);
      add(b, t + pitch);
      add(c, t + 2 * pitch);
      add(d, t + 3 * pitch);
    }
  }
  return _mm_movemask_epi8(_mm_cmpeq_epi8(diff, _mm_setzero_si128())) == 0xFFFF;
#else
  return false;  // every tile is then compared element by element
#endif
}

// Copy: TF flat index f is HF logical element (f / k, f % k). Compares TF rows [b, e); `tf`
// holds TF float32 rows from row t0 on.
template <DType D>
void compare_copy_rows(const uint8_t* tf, int64_t t0, int64_t cols, int64_t b, int64_t e,
                       const HfRows& hf, Mismatch& m) {
  const int64_t skip = t0 * cols;                        // flat index of tf's first element
  if (D == DType::kF32 && hf.s1 == 1 && hf.k == cols) {  // rows line up: compare bytes
    for (int64_t r = b; r < e; ++r) {
      const uint8_t* hf_row = hf.at(r, 0);
      if (std::memcmp(tf + (r * cols - skip) * 4, hf_row, static_cast<size_t>(cols) * 4) == 0)
        continue;
      for (int64_t c = 0; c < cols; ++c) {
        const uint32_t t = tf_at(tf, r * cols + c - skip), h = load<D>(hf_row + c * 4);
        if (t != h) note(m, r * cols + c, t, h);
      }
    }
    return;
  }
  for (int64_t f = b * cols; f < e * cols; ++f) {
    const uint32_t t = tf_at(tf, f - skip), h = load<D>(hf.at(f / hf.k, f % hf.k));
    if (t != h) note(m, f, t, h);
  }
}

// Transpose: TF (r, c) is HF logical element (c, r). Compares TF rows [r0, r1) x columns
// [c0, c1), c1 = min(c_end, c0 + kHfBlockRows), through 16x16 tiles, a band of 16 TF rows at a
// time, so both sides are read in 64-byte runs and each TF row in one run of (c1 - c0) * 4
// bytes; `tf` holds TF float32 rows from row t0 on.
template <DType D>
void compare_transposed_block(const uint8_t* tf, int64_t t0, int64_t cols, int64_t r0, int64_t r1,
                              int64_t c0, int64_t c_end, const HfRows& hf, Mismatch& m) {
  const int64_t c1 = std::min(c_end, c0 + kHfBlockRows);
  const int64_t skip = t0 * cols;
  const uint8_t* hf_rows[kHfBlockRows];
  for (int64_t j = 0; j < c1 - c0; ++j) hf_rows[j] = hf.at(c0 + j, 0);
  const int64_t step = hf.s1 * hf.item;  // bytes between a HF row's elements
  for (int64_t rt = r0; rt < r1; rt += kTile) {
    const int64_t nr = std::min(kTile, r1 - rt);
    for (int64_t ct = c0; ct < c1; ct += kTile) {
      const int64_t nc = std::min(kTile, c1 - ct);
      const uint8_t* const* rows = hf_rows + (ct - c0);
      if constexpr (D == DType::kF32) {
        if (nr == kTile && nc == kTile && step == 4 &&
            tile_equal(tf + ((rt * cols + ct) - skip) * 4, cols, rows, rt * 4)) {
          continue;
        }
      }
      for (int64_t i = 0; i < nr; ++i) {
        const int64_t flat = (rt + i) * cols + ct;
        for (int64_t j = 0; j < nc; ++j) {
          const uint32_t t = tf_at(tf, flat + j - skip), h = load<D>(rows[j] + (rt + i) * step);
          if (t != h) note(m, flat + j, t, h);
        }
      }
    }
  }
}

// A worker's share of a transposed compare: HF rows (TF columns) [b, e) against TF rows
// [r0, r1), in squares of kSpan TF rows x `span` HF rows, the HF rows handed back after each
// column of squares. The pages both sides touch stay in the TLB while up to 2 KiB of each is
// read; walking whole TF columns 64 bytes wide took twice the CPU, a TLB miss per 64 bytes.
template <DType D>
void compare_transposed_share(const uint8_t* tf, int64_t t0, int64_t cols, int64_t r0, int64_t r1,
                              int64_t b, int64_t e, int64_t span, const HfRows& hf, Mismatch& m) {
  for (int64_t cs = b; cs < e; cs += span) {
    const int64_t cse = std::min(e, cs + span);
    for (int64_t rs = r0; rs < r1; rs += kSpan) {
      for (int64_t c = cs; c < cse; c += kHfBlockRows) {
        compare_transposed_block<D>(tf, t0, cols, rs, std::min(r1, rs + kSpan), c, cse, hf, m);
      }
    }
    hf.release(cs, cse);
  }
}

// Half-precision TF elements [b, e) of `in` widened exactly to float32 bits.
void widen_tf(DType d, const uint8_t* in, int64_t b, int64_t e, uint32_t* out) {
  for (int64_t i = b; i < e; ++i) {
    out[i] = d == DType::kF16 ? load<DType::kF16>(in + i * 2) : load<DType::kBF16>(in + i * 2);
  }
}

template <class Fn>
void by_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kF16:
      return fn(std::integral_constant<DType, DType::kF16>{});
    case DType::kBF16:
      return fn(std::integral_constant<DType, DType::kBF16>{});
    default:
      return fn(std::integral_constant<DType, DType::kF32>{});
  }
}

std::string describe(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g (0x%08x)", static_cast<double>(f), bits);
  return buf;
}

// Collects what the workers found: crc pieces of the TF bytes and mismatches.
class Findings {
 public:
  void add_crc(uint64_t begin, uint32_t crc, uint64_t length) {
    std::lock_guard<std::mutex> lock(mu_);
    crcs_.push_back({begin, crc, length});
  }
  void add(const Mismatch& m) {
    if (m.count == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    count_ += m.count;
    if (m.first < first_.first) first_ = m;
  }
  uint32_t crc() {
    std::sort(crcs_.begin(), crcs_.end(),
              [](const Crc& a, const Crc& b) { return a.begin < b.begin; });
    uint32_t crc = 0;
    for (const Crc& c : crcs_) crc = crc32c_combine(crc, c.crc, c.length);
    return crc;
  }
  uint64_t count() const { return count_; }
  const Mismatch& first() const { return first_; }

 private:
  struct Crc {
    uint64_t begin;
    uint32_t crc;
    uint64_t length;
  };
  std::mutex mu_;
  std::vector<Crc> crcs_;
  uint64_t count_ = 0;
  Mismatch first_;
};

// compare_tensor's walk over the TF rows: contiguous [rows, cols] (0-d and 1-d tensors are one
// row), `per_chunk` rows at a time.
struct TfChunks {
  int64_t cols = 1;
  int64_t rows = 0;
  int64_t item = 4;
  int64_t per_chunk = 1;

  explicit TfChunks(const TensorView& tf)
      : cols(tf.shape.empty() ? 1 : tf.shape.back()),
        rows(cols == 0 ? 0 : tf.numel() / cols),
        item(static_cast<int64_t>(dtype_size(tf.dtype))) {
    // Half-precision rows are widened into a float32 buffer of the chunk's size: a quarter.
    const uint64_t bytes = tf.dtype == DType::kF32 ? kCompareChunkBytes : kCompareChunkBytes / 4;
    per_chunk = std::max<int64_t>(1, static_cast<int64_t>(bytes / std::max<int64_t>(1, cols * 4)));
  }
  uint64_t byte_offset(int64_t row) const { return static_cast<uint64_t>(row * cols * item); }
};

HfRows make_hf_rows(const TensorView& hf, TensorOp op, std::span<const int64_t> row_map) {
  HfRows h;
  h.view = &hf;
  h.base = hf.data();
  h.dtype = hf.dtype;
  h.item = static_cast<int64_t>(dtype_size(hf.dtype));
  h.map = row_map;
  const int64_t first = hf.shape.empty() ? 1 : hf.shape[0];
  if (hf.shape.empty()) {
    h.k = 1;
  } else if (hf.is_contiguous()) {
    h.k = first == 0 ? 0 : hf.numel() / first;
    h.s0 = h.k;
  } else if (hf.shape.size() == 2) {
    h.k = hf.shape[1];
    h.s0 = hf.strides[0];
    h.s1 = hf.strides[1];
  } else if (hf.shape.size() == 1) {
    h.k = 1;
    h.s0 = hf.strides[0];
  } else {
    throw std::invalid_argument("compare_tensor: cannot index '" + hf.name + "'");
  }
  if (op == TensorOp::kTranspose && hf.shape.size() != 2) {
    throw std::invalid_argument("compare_tensor: a transpose of a non-matrix '" + hf.name + "'");
  }
  check_row_map(row_map, first, "compare_tensor", hf.name);
  return h;
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

std::vector<ChunkReader::Range> compare_chunks(const TensorView& tf) {
  std::vector<ChunkReader::Range> out;
  const TfChunks chunks(tf);
  for (int64_t r0 = 0; r0 < chunks.rows; r0 += chunks.per_chunk) {
    const int64_t r1 = std::min(chunks.rows, r0 + chunks.per_chunk);
    const uint64_t length = chunks.byte_offset(r1 - r0);
    if (length <= kCompareChunkBytes) {
      out.push_back({tf.file, tf.offset + chunks.byte_offset(r0), length});
    }
  }
  return out;
}

CompareOutcome compare_tensor(const TensorView& tf, const TensorView& hf, TensorOp op,
                              std::span<const int64_t> row_map, Workers& workers,
                              ChunkReader* tf_chunks) {
  if (!tf.is_contiguous() ||
      (tf.dtype != DType::kF32 && tf.dtype != DType::kF16 && tf.dtype != DType::kBF16)) {
    throw std::invalid_argument("compare_tensor: '" + tf.name +
                                "' is not a contiguous float32/float16/bfloat16 tensor");
  }
  // Half-precision TF rows (a trained checkpoint's) are widened a chunk at a time into
  // `widened` and compared from there.
  const TfChunks chunks(tf);
  const int64_t cols = chunks.cols, rows = chunks.rows, tf_item = chunks.item;
  const bool wide = tf.dtype != DType::kF32;
  const HfRows src = make_hf_rows(hf, op, row_map);
  const bool transposed = op == TensorOp::kTranspose;
  std::vector<uint32_t> widened(wide ? static_cast<size_t>(std::min(rows, chunks.per_chunk) * cols)
                                     : 0);
  Findings found;
  auto release_tf = [&](int64_t b, int64_t e) {
    tf.file->release_behind(tf.offset + chunks.byte_offset(b), chunks.byte_offset(e - b));
  };
  for (int64_t r0 = 0; r0 < rows; r0 += chunks.per_chunk) {
    check_interrupted();
    const int64_t r1 = std::min(rows, r0 + chunks.per_chunk);
    const uint64_t at = tf.offset + chunks.byte_offset(r0), length = chunks.byte_offset(r1 - r0);
    // TF rows [r0, r1) as stored, then as float32 (t0 = r0: both start at row r0).
    const uint8_t* tf_raw =
        tf_chunks != nullptr ? tf_chunks->get(tf.file, at, length).data() : tf.file->data() + at;
    const uint8_t* tf_data = tf_raw;
    const int64_t t0 = r0;
    if (wide) {
      workers.run(0, (r1 - r0) * cols, int64_t{64} * 1024,
                  [&](int64_t b, int64_t e) { widen_tf(tf.dtype, tf_raw, b, e, widened.data()); });
      tf_data = reinterpret_cast<const uint8_t*>(widened.data());
    }
    // TF rows split across the workers: crc32c of each share, and for a copy the compare in
    // the same pass while the rows are in cache.
    workers.run(r0, r1, kTile, [&](int64_t b, int64_t e) {
      uint32_t crc = 0;
      Mismatch m;
      int64_t released = b;
      for (int64_t r = b; r < e; r += kTile) {
        const int64_t re = std::min(e, r + kTile);
        crc = crc32c_extend(crc, tf_raw + (r - r0) * cols * tf_item,
                            static_cast<size_t>((re - r) * cols * tf_item));
        if (transposed) continue;  // the TF rows are needed again below
        by_dtype(src.dtype, [&](auto d) {
          compare_copy_rows<decltype(d)::value>(tf_data, t0, cols, r, re, src, m);
        });
        if ((re - released) * cols * 4 >= kReleaseBytes || re == e) {  // both sides consumed
          release_tf(released, re);
          if (src.k > 0) src.release(released * cols / src.k, (re * cols + src.k - 1) / src.k);
          released = re;
        }
      }
      found.add_crc(static_cast<uint64_t>(b * cols * tf_item), crc,
                    static_cast<uint64_t>((e - b) * cols * tf_item));
      found.add(m);
    });
    if (transposed) {  // HF rows (TF columns) split across the workers, released as compared
      // HF rows walked (and mapped) together per worker: kSpan, fewer when they are long.
      const int64_t row_bytes = std::max<int64_t>(1, src.s0 * src.item);
      const int64_t span = std::clamp<int64_t>(kSpanBytes / row_bytes / kHfBlockRows * kHfBlockRows,
                                               kHfBlockRows, kSpan);
      workers.run(0, cols, kHfBlockRows, [&](int64_t b, int64_t e) {
        Mismatch m;
        by_dtype(src.dtype, [&](auto d) {
          compare_transposed_share<decltype(d)::value>(tf_data, t0, cols, r0, r1, b, e, span, src,
                                                       m);
        });
        found.add(m);
      });
      release_tf(r0, r1);
    }
  }
  hf.file->release(hf.offset, hf.span_bytes());  // what the walk's chunks left
  tf.file->release(tf.offset, tf.byte_size());
  CompareOutcome out;
  out.crc32c = found.crc();
  out.mismatches = found.count();
  if (out.mismatches > 0) {
    const Mismatch& m = found.first();
    const std::string index = tf.shape.size() == 2 ? "[" + std::to_string(m.first / cols) + ", " +
                                                         std::to_string(m.first % cols) + "]"
                                                   : "[" + std::to_string(m.first) + "]";
    out.first_mismatch = index + ": TF " + describe(m.tf) + " != HF " + describe(m.hf);
  }
  return out;
}

}  // namespace ckpt
