// stream_tensor and the write-behind: every layout gives the same bytes whatever the buffer
// size, including buffers smaller than one output row (the row is then split across buffers).
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "convert/gather.h"
#include "convert/tensor_stream.h"
#include "test_util.h"

namespace ckpt {
namespace {

// Keeps what was written, tensor by tensor, and checks the byte count against the spec.
class CapturingWriter final : public TensorWriter {
 public:
  std::vector<std::string> tensors;
  void begin_tensor(const TensorSpec& spec) override {
    spec_ = spec;
    tensors.emplace_back();
  }
  void append(std::span<const uint8_t> bytes) override {
    tensors.back().append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  void end_tensor() override { EXPECT_EQ(tensors.back().size(), spec_.byte_size()); }
  void finish() override {}
  void commit() override {}

 private:
  TensorSpec spec_;
};

// A float32 tensor view over a mapped file holding 0, 1, 2, ... (as floats).
struct Matrix {
  TempDir dir;
  TensorView view;
  Matrix(int64_t elements, Shape shape, Shape strides) {
    std::vector<float> v(static_cast<size_t>(elements));
    std::iota(v.begin(), v.end(), 0.0f);
    write_file(dir / "m.bin", std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    view.name = "m";
    view.shape = std::move(shape);
    view.strides = std::move(strides);
    view.file = MappedFile::open(dir / "m.bin");
  }
};

// The output bytes gathered in one go (the reference).
std::string gathered(const TensorView& t, TensorOp op) {
  const Gather g = make_gather(t, op);
  std::string out(static_cast<size_t>(g.rows * g.cols * 4), '\0');
  gather_rows(g, 0, g.rows, reinterpret_cast<uint32_t*>(out.data()));
  return out;
}

std::string streamed(const TensorView& t, TensorOp op, size_t buffer_bytes, int threads) {
  CapturingWriter w;
  NullProgress progress;
  Shape out_shape = t.shape;
  if (op == TensorOp::kTranspose) std::swap(out_shape[0], out_shape[1]);
  {
    Workers workers(threads);
    WriteBehind out(w, buffer_bytes, 2, progress);
    stream_tensor(t, op, {}, {"out", DType::kF32, out_shape}, out, workers);
    out.drain();
  }
  return w.tensors.at(0);
}

struct Layout {
  const char* what;
  int64_t elements;
  Shape shape, strides;
  TensorOp op;
};

// Test names in CTest show the layout, not the bytes of the struct.
void PrintTo(const Layout& l, std::ostream* os) { *os << l.what; }

class StreamTensor : public ::testing::TestWithParam<Layout> {};

// Rows of 37 or 41 floats (148 or 164 bytes) against buffers from two floats up: whole rows per
// buffer, rows split in pieces, pieces that straddle row ends; 1 and 4 threads.
TEST_P(StreamTensor, SameBytesForEveryBufferSize) {
  const Layout& l = GetParam();
  Matrix m(l.elements, l.shape, l.strides);
  const std::string want = gathered(m.view, l.op);
  for (size_t buffer :
       {size_t{8}, size_t{100}, size_t{148}, size_t{150}, size_t{1000}, size_t{1} << 20}) {
    for (int threads : {1, 4}) {
      EXPECT_EQ(streamed(m.view, l.op, buffer, threads), want)
          << l.what << ", buffer " << buffer << ", threads " << threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, StreamTensor,
    ::testing::Values(
        Layout{"flat copy", 37 * 41, {41, 37}, {37, 1}, TensorOp::kCopy},
        Layout{"transpose", 37 * 41, {41, 37}, {37, 1}, TensorOp::kTranspose},
        Layout{"strided copy", 2 * 37 * 41, {41, 37}, {74, 2}, TensorOp::kCopy},
        Layout{"copy of a transposed view", 37 * 41, {37, 41}, {1, 37}, TensorOp::kCopy}),
    [](const auto& info) { return std::to_string(info.index); });

// A writer that says where each tensor's data lands: the write-behind's buffers agree with it
// modulo the direct I/O alignment (so the DirectAppender can write them in place), tensor by
// tensor and buffer by buffer, and the bytes arrive unchanged.
class PlacingWriter final : public TensorWriter {
 public:
  std::vector<uint64_t> planned;
  std::vector<const uint8_t*> appended_at;
  std::string bytes;
  void begin_tensor(const TensorSpec&) override {}
  void append(std::span<const uint8_t> b) override {
    appended_at.push_back(b.data());
    bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  void end_tensor() override {}
  void finish() override {}
  void commit() override {}
  std::optional<uint64_t> planned_data_offset(size_t index) const override {
    if (index >= planned.size()) return std::nullopt;
    return planned[index];
  }
};

TEST(WriteBehind, BuffersAgreeWithWhereTheWriterPlacesTheirBytes) {
  PlacingWriter w;
  w.planned = {8 + 4100, 70002};  // the second is no multiple of 4: not followed
  NullProgress progress;
  std::vector<uintptr_t> phases;
  std::string want;
  {
    WriteBehind out(w, 64 << 10, 2, progress);
    auto put = [&](size_t n, char c) {
      uint8_t* b = out.acquire();
      phases.push_back(reinterpret_cast<uintptr_t>(b) % 4096);
      std::memset(b, c, n);
      want.append(n, c);
      out.submit(b, n);
    };
    out.begin_tensor({"a", DType::kU8, {3000 + (64 << 10)}});
    put(3000, 'a');
    put(64 << 10, 'b');
    out.end_tensor();
    out.begin_tensor({"b", DType::kU8, {10}});
    put(10, 'c');
    out.end_tensor();
    out.begin_tensor({"c", DType::kU8, {10}});  // the writer does not know: no shift
    put(10, 'd');
    out.end_tensor();
    out.drain();
  }
  EXPECT_EQ(phases, (std::vector<uintptr_t>{4108 % 4096, (4108 + 3000) % 4096, 0, 0}));
  ASSERT_EQ(w.appended_at.size(), 4u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.appended_at[1]) % 4096, (4108 + 3000) % 4096);
  EXPECT_TRUE(w.bytes == want);
}

// The write-behind's REQUIRES: a producer that filled more than a buffer has already written
// past it, so the process stops there with a message rather than unwinding through a
// corrupted heap.
TEST(WriteBehindDeathTest, SubmittingMoreThanABufferAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        CapturingWriter w;
        NullProgress progress;
        WriteBehind out(w, 16, 2, progress);
        out.begin_tensor({"t", DType::kU8, {17}});
        out.submit(out.acquire(), 17);
      },
      "ckptconv: internal error: WriteBehind: submit\\(\\) of 17 bytes into a buffer of 16");
  EXPECT_DEATH(
      {
        CapturingWriter w;
        NullProgress progress;
        WriteBehind out(w, 16, 2, progress);
        uint8_t elsewhere[4] = {};
        out.submit(elsewhere, 4);
      },
      "ckptconv: internal error: WriteBehind: submit\\(\\) of a buffer acquire\\(\\) did not "
      "return");
}

}  // namespace
}  // namespace ckpt
