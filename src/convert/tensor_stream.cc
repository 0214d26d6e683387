#include "convert/tensor_stream.h"

#include <algorithm>

#include "convert/gather.h"
#include "io/interrupt.h"

namespace ckpt {
namespace {

constexpr uint64_t kPage = 4096;
constexpr int64_t kGrainRows = 16;

bool is_flat(const Gather& g) { return g.col_stride == 1 && (g.rows <= 1 || g.row_stride == g.cols); }

// A contiguous input: any split into chunks works, so stream it as one long row.
void stream_flat(const TensorView& src, const Gather& g, WriteBehind& out, Workers& workers) {
  const int64_t total = g.rows * g.cols;
  const int64_t per_chunk = static_cast<int64_t>(out.buffer_bytes() / 4);
  const uint64_t item = dtype_size(src.dtype);
  for (int64_t e0 = 0; e0 < total; e0 += per_chunk) {
    check_interrupted();
    const int64_t e1 = std::min(total, e0 + per_chunk);
    src.file->will_need(src.offset + e1 * item, per_chunk * item);
    auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
    // Split the chunk into per-worker runs of elements, each gathered as a one-row array.
    workers.run(e0, e1, 64 * 1024, [&](int64_t b, int64_t e) {
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

void stream_rows(const TensorView& src, const Gather& g, WriteBehind& out, Workers& workers) {
  const int64_t row_bytes = g.cols * 4;
  int64_t per_chunk = std::max<int64_t>(1, static_cast<int64_t>(out.buffer_bytes()) / row_bytes);
  if (per_chunk > kGrainRows) per_chunk = per_chunk / kGrainRows * kGrainRows;
  const bool transposed_contiguous = g.row_stride == 1 && src.is_contiguous();
  const int64_t release_every = static_cast<int64_t>(kPage / dtype_size(src.dtype));
  int64_t released = 0;
  if (transposed_contiguous) src.file->will_need(src.offset, src.span_bytes());
  for (int64_t r0 = 0; r0 < g.rows; r0 += per_chunk) {
    check_interrupted();
    const int64_t r1 = std::min(g.rows, r0 + per_chunk);
    auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
    workers.run(r0, r1, kGrainRows,
                [&](int64_t b, int64_t e) { gather_rows(g, b, e, buf + (b - r0) * g.cols); });
    out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>((r1 - r0) * row_bytes));
    if (transposed_contiguous && (r1 - released >= release_every || r1 == g.rows)) {
      const uint64_t item = dtype_size(src.dtype);
      src.file->release_columns(src.offset, static_cast<uint64_t>(g.col_stride) * item,
                                static_cast<uint64_t>(g.cols), released * item, r1 * item);
      released = r1;
    }
  }
}

}  // namespace

void stream_tensor(const TensorView& src, TensorOp op, const TensorSpec& spec, WriteBehind& out,
                   Workers& workers) {
  const Gather g = make_gather(src, op);
  out.begin_tensor(spec);
  if (g.rows * g.cols > 0) {
    if (is_flat(g)) {
      stream_flat(src, g, out, workers);
    } else {
      stream_rows(src, g, out, workers);
    }
  }
  out.end_tensor();
  src.file->release(src.offset, src.span_bytes());
}

}  // namespace ckpt
