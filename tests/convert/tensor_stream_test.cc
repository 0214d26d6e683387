#include "convert/tensor_stream.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <stdexcept>

#include "io/crc32c.h"
#include "io/progress.h"
#include "test_util.h"

namespace ckpt {
namespace {

// Keeps every appended byte of the last tensor.
class RecordingWriter final : public TensorWriter {
 public:
  void begin_tensor(const TensorSpec& spec) override {
    spec_ = spec;
    bytes_.clear();
  }
  void append(std::span<const uint8_t> b) override {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
  }
  void end_tensor() override {}
  void finish() override {}
  void commit() override {}
  std::vector<float> floats() const {
    std::vector<float> f(bytes_.size() / 4);
    std::memcpy(f.data(), bytes_.data(), f.size() * 4);
    return f;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  TensorSpec spec_;
  std::vector<uint8_t> bytes_;
};

// A float32 file holding 0, 1, 2, ... and a view of it.
struct Source {
  TempDir dir;
  TensorView view;
  Source(Shape shape, Shape strides = {}, int64_t elements = -1) {
    const int64_t n = elements >= 0 ? elements : shape_numel(shape);
    std::vector<float> v(static_cast<size_t>(n));
    std::iota(v.begin(), v.end(), 0.0f);
    write_file(dir / "m.bin", std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    view.name = "m";
    view.dtype = DType::kF32;
    view.strides = strides.empty() ? *contiguous_strides(shape) : std::move(strides);
    view.shape = std::move(shape);
    view.file = MappedFile::open(dir / "m.bin");
  }
};

struct Run {
  std::vector<float> out;
  uint32_t crc = 0;
};

Run run(const TensorView& src, TensorOp op, std::span<const int64_t> map, Shape out_shape,
        size_t buffer_bytes, int threads, bool with_crc = false) {
  RecordingWriter writer;
  NullProgress progress;
  Workers workers(threads);
  Run r;
  {
    WriteBehind out(writer, buffer_bytes, 2, progress);
    const TensorSpec spec{"out", DType::kF32, std::move(out_shape)};
    if (with_crc) {
      r.crc = stream_tensor_with_crc(src, op, spec, out, workers);
    } else {
      stream_tensor(src, op, map, spec, out, workers);
    }
    out.drain();
  }
  r.out = writer.floats();
  return r;
}

// L[j, c] = source row map[j], as the value the file holds there.
std::vector<float> naive(int64_t rows, int64_t cols, const std::vector<int64_t>& map,
                         bool transpose) {
  const int64_t lr = map.empty() ? rows : static_cast<int64_t>(map.size());
  std::vector<float> out;
  auto at = [&](int64_t j, int64_t c) {
    return static_cast<float>((map.empty() ? j : map[static_cast<size_t>(j)]) * cols + c);
  };
  if (transpose) {
    for (int64_t c = 0; c < cols; ++c)
      for (int64_t j = 0; j < lr; ++j) out.push_back(at(j, c));
  } else {
    for (int64_t j = 0; j < lr; ++j)
      for (int64_t c = 0; c < cols; ++c) out.push_back(at(j, c));
  }
  return out;
}

TEST(TensorStream, TransposeEveryBufferSizeAndThreadCountGivesTheSameBytes) {
  const int64_t R = 133, C = 71;  // not multiples of any tile
  Source s({R, C});
  const auto want = naive(R, C, {}, true);
  // 64 bytes: an output row (133 floats) is larger than a buffer; 600: one row per buffer;
  // 8 KiB: panels of 15 rows; 1 MiB: one panel.
  for (size_t buffer : {size_t{64}, size_t{600}, size_t{8192}, size_t{1} << 20}) {
    for (int threads : {1, 3, 8}) {
      EXPECT_EQ(run(s.view, TensorOp::kTranspose, {}, {C, R}, buffer, threads).out, want)
          << buffer << " bytes, " << threads << " threads";
    }
  }
}

TEST(TensorStream, RowMapSelectsAndPermutesRowsBeforeTheTranspose) {
  const int64_t R = 96, C = 40;  // e.g. a fused [3E, E] matrix with E = 32, D = 8
  Source s({R, C});
  std::vector<int64_t> map;
  for (int64_t h = 0; h < 4; ++h) {  // the "k" third, pairs swapped inside each head
    for (int64_t d = 0; d < 8; ++d) map.push_back(h * 24 + 8 + (d ^ 1));
  }
  for (size_t buffer : {size_t{64}, size_t{1000}, size_t{1} << 20}) {
    for (int threads : {1, 8}) {
      EXPECT_EQ(run(s.view, TensorOp::kTranspose, map, {C, 32}, buffer, threads).out,
                naive(R, C, map, true));
      EXPECT_EQ(run(s.view, TensorOp::kCopy, map, {32, C}, buffer, threads).out,
                naive(R, C, map, false));
    }
  }
}

TEST(TensorStream, RowMapOfAVectorPicksElements) {
  Source s({12});
  const std::vector<int64_t> map{4, 5, 6, 7, 1, 0};
  EXPECT_EQ(run(s.view, TensorOp::kCopy, map, {6}, 8, 2).out,
            (std::vector<float>{4, 5, 6, 7, 1, 0}));
}

TEST(TensorStream, CopiesLargerThanABufferArriveWhole) {
  Source s({3, 1000});
  for (int threads : {1, 8}) {
    EXPECT_EQ(run(s.view, TensorOp::kCopy, {}, {3, 1000}, 256, threads).out,
              naive(3, 1000, {}, false));
  }
}

TEST(TensorStream, StridedViewRowsLargerThanABuffer) {
  Source s({300, 2}, {1, 300}, 600);  // the .t() of a [2, 300] matrix
  std::vector<float> want;
  for (int64_t r = 0; r < 300; ++r) {
    want.push_back(static_cast<float>(r));
    want.push_back(static_cast<float>(300 + r));
  }
  EXPECT_EQ(run(s.view, TensorOp::kCopy, {}, {300, 2}, 4, 2).out, want);
  // Transposed back it is the [2, 300] matrix: rows of 300 floats, buffers of 16.
  EXPECT_EQ(run(s.view, TensorOp::kTranspose, {}, {2, 300}, 64, 2).out, naive(2, 300, {}, false));
}

TEST(TensorStream, CrcOfTheSourceComesWithTheStream) {
  Source s({133, 71});
  const uint32_t want = crc32c(s.view.data(), s.view.byte_size());
  for (TensorOp op : {TensorOp::kCopy, TensorOp::kTranspose}) {
    for (size_t buffer : {size_t{64}, size_t{8192}, size_t{1} << 20}) {
      for (int threads : {1, 3}) {
        const Shape shape = op == TensorOp::kCopy ? Shape{133, 71} : Shape{71, 133};
        EXPECT_EQ(run(s.view, op, {}, shape, buffer, threads, true).crc, want)
            << buffer << " " << threads;
      }
    }
  }
}

TEST(TensorStream, HalfPrecisionIsWidenedInTransposes) {
  TempDir dir;
  const uint16_t bf16[6] = {0x3f80, 0x4000, 0x4040, 0x4080, 0x40a0, 0xbf80};  // 1 2 3 4 5 -1
  write_file(dir / "h.bin", std::string(reinterpret_cast<const char*>(bf16), sizeof bf16));
  TensorView v;
  v.name = "h";
  v.dtype = DType::kBF16;
  v.shape = {2, 3};
  v.strides = {3, 1};
  v.file = MappedFile::open(dir / "h.bin");
  EXPECT_EQ(run(v, TensorOp::kTranspose, {}, {3, 2}, 8, 2).out,
            (std::vector<float>{1, 4, 2, 5, 3, -1}));
}

TEST(TensorStream, RowMapEntriesOutsideTheSourceAreRefused) {
  Source s({4, 2});
  const std::vector<int64_t> map{0, 4};
  EXPECT_THROW(run(s.view, TensorOp::kCopy, map, {2, 2}, 64, 1), std::invalid_argument);
}

}  // namespace
}  // namespace ckpt
