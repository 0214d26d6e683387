#include "convert/tensor_stream.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "convert/gather.h"
#include "convert/panel_transpose.h"
#include "convert/row_map.h"
#include "io/crc32c.h"
#include "io/interrupt.h"

namespace ckpt {
namespace {

constexpr int64_t kBlockRows = 64;  // input rows transposed, then released, together
constexpr int64_t kGrainRows = 16;  // rows per worker share unit, and panels/chunks round to it
constexpr int64_t kCopyPiece = int64_t{16} * 1024;   // elements copied then checksummed while hot
constexpr int64_t kCopyGrain = int64_t{256} * 1024;  // elements per worker share unit in copies
constexpr int64_t kReleaseElements = 1 << 20;        // copied elements between two releases
// Input bytes transposed between two releases: each release (madvise) interrupts the other
// core to flush its TLB, so a 64-row block (1 MiB of a 4096-wide matrix) is too little.
constexpr int64_t kReleaseBytes = int64_t{4} << 20;

// Per-worker crc32c pieces of one tensor, combined in storage order at the end.
class PieceCrcs {
 public:
  void add(uint64_t begin, uint32_t crc, uint64_t length) {
    std::lock_guard<std::mutex> lock(mu_);
    pieces_.push_back({begin, crc, length});
  }
  // The crc of the concatenation. REQUIRES: the pieces tile [0, total) without gaps.
  uint32_t combine(uint64_t total) {
    std::sort(pieces_.begin(), pieces_.end(),
              [](const Piece& a, const Piece& b) { return a.begin < b.begin; });
    uint32_t crc = 0;
    uint64_t at = 0;
    for (const Piece& p : pieces_) {
      if (p.begin != at) throw std::logic_error("PieceCrcs: pieces do not tile the tensor");
      crc = crc32c_combine(crc, p.crc, p.length);
      at += p.length;
    }
    if (at != total) throw std::logic_error("PieceCrcs: pieces do not cover the tensor");
    return crc;
  }

 private:
  struct Piece {
    uint64_t begin;
    uint32_t crc;
    uint64_t length;
  };
  std::mutex mu_;
  std::vector<Piece> pieces_;
};

// A contiguous input seen as [rows, cols] logical rows: row j is source row map(j).
struct RowSource {
  const TensorView* view = nullptr;
  const uint8_t* base = nullptr;
  DType dtype = DType::kF32;
  int64_t item = 4;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t pitch = 0;  // bytes between source rows
  std::span<const int64_t> map;

  const uint8_t* row(int64_t j) const { return base + source_row(map, j) * pitch; }

  // Hands back the mapping's pages of logical elements [f0, f1) (flat, row-major over L), in
  // whole 2 MiB chunks (MappedFile::release_behind); stream() releases the rest at the end.
  void release_elements(int64_t f0, int64_t f1) const {
    if (map.empty()) {  // one contiguous range
      view->file->release_behind(view->offset + static_cast<uint64_t>(f0 * item),
                                 static_cast<uint64_t>((f1 - f0) * item));
    } else if (cols > 0) {
      release(f0 / cols, (f1 + cols - 1) / cols);
    }
  }
  // The same for logical rows [j0, j1).
  void release(int64_t j0, int64_t j1) const { release_rows(*view, map, j0, j1, pitch); }
};

RowSource make_row_source(const TensorView& src, std::span<const int64_t> row_map) {
  RowSource s;
  s.view = &src;
  s.base = src.data();
  s.dtype = src.dtype;
  s.item = static_cast<int64_t>(dtype_size(src.dtype));
  const int64_t first = src.shape.empty() ? 1 : src.shape[0];
  s.cols = first == 0 ? 0 : src.numel() / first;
  s.pitch = s.cols * s.item;
  s.map = row_map;
  s.rows = row_map.empty() ? first : static_cast<int64_t>(row_map.size());
  check_row_map(row_map, first, "stream_tensor", src.name);
  return s;
}

// Output = L flattened, buffer by buffer; each worker copies (widens) its share of elements a
// piece at a time and checksums the source piece while it is in cache.
void stream_copy(const RowSource& s, WriteBehind& out, Workers& workers, PieceCrcs* crcs) {
  const int64_t total = s.rows * s.cols;
  const auto per_chunk = static_cast<int64_t>(out.buffer_bytes() / 4);
  for (int64_t e0 = 0; e0 < total; e0 += per_chunk) {
    check_interrupted();
    const int64_t e1 = std::min(total, e0 + per_chunk);
    auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
    workers.run(e0, e1, kCopyGrain, [&](int64_t b, int64_t e) {
      uint32_t crc = 0;
      int64_t released = b;  // elements of this share whose rows were handed back
      for (int64_t f = b; f < e;) {
        const int64_t j = f / s.cols, k = f % s.cols;
        const int64_t n = std::min({e - f, s.cols - k, kCopyPiece});
        const uint8_t* from = s.row(j) + k * s.item;
        widen_run(from, s.dtype, n, buf + (f - e0));
        if (crcs != nullptr) crc = crc32c_extend(crc, from, static_cast<size_t>(n * s.item));
        f += n;
        if (f - released >= kReleaseElements || f == e) {  // keep only a little mapped
          s.release_elements(released, f);
          released = f;
        }
      }
      if (crcs != nullptr) {
        crcs->add(static_cast<uint64_t>(b * s.item), crc, static_cast<uint64_t>((e - b) * s.item));
      }
    });
    out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>(e1 - e0) * 4);
  }
}

// Fills out[(c - c0) * out_pitch + (j - j0)] = L[j, c] for j in [j0, j1), c in [c0, c1), the
// input rows split across the workers in 64-row blocks, their pages released every 4 MiB.
// With `crcs`, every input row is also checksummed whole (the first panel of a tensor).
void fill_panel(const RowSource& s, int64_t j0, int64_t j1, int64_t c0, int64_t c1, uint32_t* out,
                int64_t out_pitch, Workers& workers, PieceCrcs* crcs) {
  workers.run(j0, j1, kBlockRows, [&](int64_t b, int64_t e) {
    const uint8_t* rows[kBlockRows];
    uint32_t crc = 0;
    int64_t released = b;  // rows of this share handed back
    for (int64_t jb = b; jb < e; jb += kBlockRows) {
      const int64_t je = std::min(e, jb + kBlockRows);
      for (int64_t j = jb; j < je; ++j) rows[j - jb] = s.row(j) + c0 * s.item;
      if (crcs != nullptr) {
        crc = crc32c_extend(crc, s.row(jb), static_cast<size_t>((je - jb) * s.pitch));
      }
      transpose_rows(rows, s.dtype, je - jb, c1 - c0, out + (jb - j0), out_pitch);
      if ((je - released) * s.pitch >= kReleaseBytes || je == e) {
        s.release(released, je);
        released = je;
      }
    }
    if (crcs != nullptr) {
      crcs->add(static_cast<uint64_t>(b * s.pitch), crc, static_cast<uint64_t>((e - b) * s.pitch));
    }
  });
}

// Output [cols, rows]: output row c is L's column c. A buffer holds a panel of whole output
// rows; an output row larger than a buffer goes out in pieces of input rows.
void stream_transposed(const RowSource& s, WriteBehind& out, Workers& workers, PieceCrcs* crcs) {
  if (s.rows == 0) return;  // stream() never calls with no elements; the divisions need rows
  const auto per_buffer = static_cast<int64_t>(out.buffer_bytes() / 4);
  if (s.rows <= per_buffer) {
    int64_t n = std::min(s.cols, per_buffer / s.rows);
    if (n > kGrainRows) n -= n % kGrainRows;
    for (int64_t c0 = 0; c0 < s.cols; c0 += n) {
      check_interrupted();
      const int64_t c1 = std::min(s.cols, c0 + n);
      auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
      fill_panel(s, 0, s.rows, c0, c1, buf, s.rows, workers, c0 == 0 ? crcs : nullptr);
      out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>((c1 - c0) * s.rows) * 4);
    }
    return;
  }
  for (int64_t c = 0; c < s.cols; ++c) {
    for (int64_t j0 = 0; j0 < s.rows; j0 += per_buffer) {
      check_interrupted();
      const int64_t j1 = std::min(s.rows, j0 + per_buffer);
      auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
      fill_panel(s, j0, j1, c, c + 1, buf, j1 - j0, workers, c == 0 ? crcs : nullptr);
      out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>(j1 - j0) * 4);
    }
  }
}

// Any other layout (strided views): gathered through the mapping, released at the end. A row
// larger than a buffer is gathered in column pieces.
void stream_gathered(const Gather& g, WriteBehind& out, Workers& workers) {
  const auto per_buffer = static_cast<int64_t>(out.buffer_bytes() / 4);
  if (g.cols > per_buffer) {
    const auto item = static_cast<int64_t>(dtype_size(g.dtype));
    for (int64_t r = 0; r < g.rows; ++r) {
      for (int64_t c0 = 0; c0 < g.cols; c0 += per_buffer) {
        check_interrupted();
        Gather part = g;
        part.base = g.base + (r * g.row_stride + c0 * g.col_stride) * item;
        part.rows = 1;
        part.cols = std::min(g.cols - c0, per_buffer);
        auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
        gather_rows(part, 0, 1, buf);
        out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>(part.cols) * 4);
      }
    }
    return;
  }
  int64_t per_chunk = std::max<int64_t>(1, per_buffer / std::max<int64_t>(1, g.cols));
  if (per_chunk > kGrainRows) per_chunk -= per_chunk % kGrainRows;
  for (int64_t r0 = 0; r0 < g.rows; r0 += per_chunk) {
    check_interrupted();
    const int64_t r1 = std::min(g.rows, r0 + per_chunk);
    auto* buf = reinterpret_cast<uint32_t*>(out.acquire());
    workers.run(r0, r1, kGrainRows,
                [&](int64_t b, int64_t e) { gather_rows(g, b, e, buf + (b - r0) * g.cols); });
    out.submit(reinterpret_cast<uint8_t*>(buf), static_cast<size_t>((r1 - r0) * g.cols) * 4);
  }
}

void stream(const TensorView& src, TensorOp op, std::span<const int64_t> row_map,
            const TensorSpec& spec, WriteBehind& out, Workers& workers, PieceCrcs* crcs) {
  if (out.buffer_bytes() < 4) {
    throw std::invalid_argument("stream_tensor: buffers must hold at least one float32");
  }
  const Gather g = make_gather(src, op);  // checks the dtype and the layout
  out.begin_tensor(spec);
  if (src.numel() > 0) {
    if (src.is_contiguous() && !src.shape.empty()) {
      const RowSource s = make_row_source(src, row_map);
      if (op == TensorOp::kTranspose) {
        stream_transposed(s, out, workers, crcs);
      } else {
        stream_copy(s, out, workers, crcs);
      }
    } else if (!row_map.empty()) {
      throw std::invalid_argument("stream_tensor: a row map needs a contiguous source ('" +
                                  src.name + "')");
    } else {
      stream_gathered(g, out, workers);
    }
  }
  out.end_tensor();
  src.file->release(src.offset, src.span_bytes());
}

}  // namespace

void stream_tensor(const TensorView& source, TensorOp op, std::span<const int64_t> row_map,
                   const TensorSpec& spec, WriteBehind& out, Workers& workers) {
  stream(source, op, row_map, spec, out, workers, nullptr);
}

void read_logical_rows(const TensorView& view, TensorOp op, int64_t j0, int64_t j1, uint32_t* dst,
                       Workers& workers) {
  if (j1 <= j0) return;
  if (view.is_contiguous() && !view.shape.empty()) {
    make_gather(view, op);  // checks the dtype
    const RowSource s = make_row_source(view, {});
    const int64_t rows = op == TensorOp::kTranspose ? s.cols : s.rows;
    if (j0 < 0 || j1 > rows) throw std::invalid_argument("read_logical_rows: rows out of range");
    if (op == TensorOp::kTranspose) {
      fill_panel(s, 0, s.rows, j0, j1, dst, s.rows, workers, nullptr);
      return;
    }
    workers.run(j0, j1, kGrainRows, [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j) widen_run(s.row(j), s.dtype, s.cols, dst + (j - j0) * s.cols);
      s.release(b, e);
    });
    return;
  }
  const Gather rows = make_row_gather(view, op);
  workers.run(j0, j1, kGrainRows,
              [&](int64_t b, int64_t e) { gather_rows(rows, b, e, dst + (b - j0) * rows.cols); });
}

uint32_t stream_tensor_with_crc(const TensorView& source, TensorOp op, const TensorSpec& spec,
                                WriteBehind& out, Workers& workers) {
  if (!source.is_contiguous()) {
    throw std::invalid_argument("stream_tensor_with_crc: '" + source.name + "' is not contiguous");
  }
  PieceCrcs crcs;
  if (source.shape.empty()) {  // a scalar: one element, no rows to split
    crcs.add(0, crc32c(source.data(), dtype_size(source.dtype)), dtype_size(source.dtype));
  }
  stream(source, op, {}, spec, out, workers, source.shape.empty() ? nullptr : &crcs);
  return crcs.combine(source.numel() > 0 ? source.byte_size() : 0);
}

}  // namespace ckpt
