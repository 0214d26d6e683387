#include "convert/tensor_stream.h"

#include <algorithm>
#include <vector>

#include "convert/gather.h"
#include "io/interrupt.h"

namespace ckpt {
namespace {

constexpr int64_t kGrainRows = 16;

// Float32 elements that fit in one output buffer.
int64_t words_per_buffer(const WriteBehind& out) {
  return static_cast<int64_t>(out.buffer_bytes() / 4);
}

bool is_flat(const Gather& g) {
  return g.col_stride == 1 && (g.rows <= 1 || g.row_stride == g.cols);
}

// A contiguous input: any split into chunks works, so stream it as one long row.
void stream_flat(const TensorView& src, const Gather& g, WriteBehind& out, Workers& workers) {
  const int64_t total = g.rows * g.cols;
  const int64_t per_chunk = words_per_buffer(out);
  const uint64_t item = dtype_size(src.dtype);
  for (int64_t e0 = 0; e0 < total; e0 += per_chunk) {
    check_interrupted();
    const int64_t e1 = std::min(total, e0 + per_chunk);
    src.file->will_need(src.offset + e1 * item, per_chunk * item);
    auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
    // Split the chunk into per-worker runs of elements, each gathered as a one-row array.
    workers.run(e0, e1, int64_t{64} * 1024, [&](int64_t b, int64_t e) {
      Gather part = g;
      part.base = g.base + b * static_cast<int64_t>(item);
      part.rows = 1;
      part.cols = e - b;
      gather_rows(part, 0, 1, buf + (b - e0));
    });
    out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>(e1 - e0) * 4);
    src.file->release(src.offset + e0 * item, (e1 - e0) * item);
  }
}

// Reads input rows row(b) .. row(e - 1) (row(i) = map[i], or i without a map), bytes
// [from, to) of each, packed into `dst`: consecutive rows in one read_columns call.
void read_mapped_columns(const TensorView& src, std::span<const int64_t> map, int64_t b, int64_t e,
                         uint64_t from, uint64_t to, uint8_t* dst) {
  const auto item = static_cast<int64_t>(dtype_size(src.dtype));
  const auto pitch = static_cast<uint64_t>(src.strides.at(0) * item);
  const uint64_t width = to - from;
  while (b < e) {
    const int64_t first = map.empty() ? b : map[static_cast<size_t>(b)];
    int64_t n = 1;
    while (b + n < e && (map.empty() || map[static_cast<size_t>(b + n)] == first + n)) ++n;
    src.file->read_columns(src.offset + static_cast<uint64_t>(first) * pitch, pitch,
                           static_cast<uint64_t>(n), from, to, dst);
    dst += static_cast<uint64_t>(n) * width;
    b += n;
  }
}

// Output rows [r0, r1), columns [c0, c1) of the transpose of a contiguous input [R, C] (output
// row r is input column r; output column j is input row map[j]) into `dst` ((r1 - r0) rows of
// c1 - c0 words): the column block is read with pread into `staging`, because walking the mapping
// column-wise would map nearly the whole tensor (the kernel maps neighbouring pages on every
// fault) and the resident set would grow with the model.
void transpose_block(const TensorView& src, std::span<const int64_t> map, int64_t r0, int64_t r1,
                     int64_t c0, int64_t c1, std::vector<uint8_t>& staging, uint32_t* dst,
                     Workers& workers) {
  const auto item = static_cast<int64_t>(dtype_size(src.dtype));
  const int64_t n = r1 - r0, w = c1 - c0;
  staging.resize(static_cast<size_t>(n * w * item));
  workers.run(0, w, 256, [&](int64_t b, int64_t e) {
    read_mapped_columns(src, map, c0 + b, c0 + e, static_cast<uint64_t>(r0 * item),
                        static_cast<uint64_t>(r1 * item), staging.data() + b * n * item);
  });
  const Gather staged{staging.data(), src.dtype, n, w, 1, n};
  workers.run(0, n, kGrainRows,
              [&](int64_t b, int64_t e) { gather_rows(staged, b, e, dst + b * w); });
}

void stream_transposed(const TensorView& src, std::span<const int64_t> map, const Gather& g,
                       WriteBehind& out, Workers& workers) {
  const int64_t in_rows = g.cols;
  // An output row wider than the buffer is written in pieces of `piece` elements, one row at a
  // time; otherwise `per_chunk` whole rows go into each buffer.
  const int64_t piece = std::min(in_rows, words_per_buffer(out));
  int64_t per_chunk = piece < in_rows ? 1 : std::max<int64_t>(1, words_per_buffer(out) / in_rows);
  if (per_chunk > kGrainRows) per_chunk = per_chunk / kGrainRows * kGrainRows;
  std::vector<uint8_t> staging;
  src.file->cache_sequentially(src.offset, src.span_bytes());
  for (int64_t r0 = 0; r0 < g.rows; r0 += per_chunk) {
    const int64_t r1 = std::min(g.rows, r0 + per_chunk);
    for (int64_t c0 = 0; c0 < in_rows; c0 += piece) {
      check_interrupted();
      const int64_t c1 = std::min(in_rows, c0 + piece);
      auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
      transpose_block(src, map, r0, r1, c0, c1, staging, buf, workers);
      out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>((r1 - r0) * (c1 - c0) * 4));
    }
  }
}

// Any other layout (strided views): gathered through the mapping, released at the end.
void stream_rows(const Gather& g, WriteBehind& out, Workers& workers) {
  const auto item = static_cast<int64_t>(dtype_size(g.dtype));
  // An output row wider than the buffer is written in pieces of `piece` elements, one row at a
  // time; otherwise `per_chunk` whole rows go into each buffer.
  const int64_t piece = std::min(g.cols, words_per_buffer(out));
  int64_t per_chunk = piece < g.cols ? 1 : std::max<int64_t>(1, words_per_buffer(out) / g.cols);
  if (per_chunk > kGrainRows) per_chunk = per_chunk / kGrainRows * kGrainRows;
  for (int64_t r0 = 0; r0 < g.rows; r0 += per_chunk) {
    const int64_t r1 = std::min(g.rows, r0 + per_chunk);
    if (piece == g.cols) {
      check_interrupted();
      auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
      workers.run(r0, r1, kGrainRows,
                  [&](int64_t b, int64_t e) { gather_rows(g, b, e, buf + (b - r0) * g.cols); });
      out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>((r1 - r0) * g.cols * 4));
      continue;
    }
    for (int64_t c0 = 0; c0 < g.cols; c0 += piece) {  // one row (r1 == r0 + 1), in pieces
      check_interrupted();
      const int64_t c1 = std::min(g.cols, c0 + piece);
      auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
      workers.run(c0, c1, int64_t{64} * 1024, [&](int64_t b, int64_t e) {
        Gather part = g;  // elements [b, e) of row r0, as a one-row array
        const int64_t row = g.row_map != nullptr ? g.row_map[r0] : r0;
        part.base = g.base + row * g.row_stride * item;
        part.row_map = nullptr;
        if (g.col_map != nullptr) {
          part.col_map = g.col_map + b;
        } else {
          part.base += b * g.col_stride * item;
        }
        part.rows = 1;
        part.cols = e - b;
        gather_rows(part, 0, 1, buf + (b - c0));
      });
      out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>((c1 - c0) * 4));
    }
  }
}

bool staged_transpose(const TensorView& src, TensorOp op) {
  return op == TensorOp::kTranspose && src.is_contiguous() && src.shape.size() == 2;
}

}  // namespace

void stream_tensor(const TensorView& src, TensorOp op, std::span<const int64_t> row_map,
                   const TensorSpec& spec, WriteBehind& out, Workers& workers) {
  const Gather g = make_mapped_gather(src, op, row_map);
  out.begin_tensor(spec);
  if (g.rows * g.cols > 0) {
    if (row_map.empty() && is_flat(g)) {
      stream_flat(src, g, out, workers);
    } else if (staged_transpose(src, op)) {
      stream_transposed(src, row_map, g, out, workers);
    } else {
      stream_rows(g, out, workers);
    }
  }
  out.end_tensor();
  src.file->release(src.offset, src.span_bytes());
}

void read_logical_rows(const TensorView& view, TensorOp op, int64_t j0, int64_t j1, uint32_t* dst,
                       Workers& workers) {
  if (j1 <= j0) return;
  if (staged_transpose(view, op)) {
    std::vector<uint8_t> staging;
    transpose_block(view, {}, j0, j1, 0, view.shape.at(0), staging, dst, workers);
    return;
  }
  const Gather rows = make_row_gather(view, op);
  workers.run(j0, j1, kGrainRows,
              [&](int64_t b, int64_t e) { gather_rows(rows, b, e, dst + (b - j0) * rows.cols); });
}

}  // namespace ckpt
