#include "convert/gather.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <numeric>

#include "convert/tensor_stream.h"
#include "convert/workers.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

// A float32 tensor view over a real mapped file holding 0, 1, 2, ... (as floats).
struct Matrix {
  TempDir dir;
  TensorView view;
  Matrix(int64_t elements, Shape shape, Shape strides, uint64_t offset_elems = 0) {
    std::vector<float> v(static_cast<size_t>(elements));
    std::iota(v.begin(), v.end(), 0.0f);
    write_file(dir / "m.bin", std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    view.name = "m";
    view.dtype = DType::kF32;
    view.shape = std::move(shape);
    view.strides = std::move(strides);
    view.file = MappedFile::open(dir / "m.bin");
    view.offset = offset_elems * 4;
  }
};

std::vector<float> gather_all(const TensorView& t, TensorOp op) {
  const Gather g = make_gather(t, op);
  std::vector<uint32_t> out(static_cast<size_t>(g.rows * g.cols));
  gather_rows(g, 0, g.rows, out.data());
  std::vector<float> f(out.size());
  std::memcpy(f.data(), out.data(), out.size() * 4);
  return f;
}

std::vector<float> gather_mapped(const TensorView& t, TensorOp op, std::vector<int64_t> map) {
  const Gather g = make_mapped_gather(t, op, map);
  std::vector<uint32_t> out(static_cast<size_t>(g.rows * g.cols));
  gather_rows(g, 0, g.rows, out.data());
  std::vector<float> f(out.size());
  std::memcpy(f.data(), out.data(), out.size() * 4);
  return f;
}

std::vector<float> read_rows(const TensorView& t, TensorOp op, int64_t j0, int64_t j1,
                             int64_t cols) {
  Workers workers(2);
  std::vector<uint32_t> out(static_cast<size_t>((j1 - j0) * cols));
  read_logical_rows(t, op, j0, j1, out.data(), workers);
  std::vector<float> f(out.size());
  std::memcpy(f.data(), out.data(), out.size() * 4);
  return f;
}

TEST(Gather, RowMapSelectsRowsOfACopy) {
  Matrix m(12, {4, 3}, {3, 1});  // rows [0,1,2] [3,4,5] [6,7,8] [9,10,11]
  EXPECT_EQ(gather_mapped(m.view, TensorOp::kCopy, {3, 1}),
            (std::vector<float>{9, 10, 11, 3, 4, 5}));
  Matrix v(6, {6}, {1});  // a bias: a row is one element
  EXPECT_EQ(gather_mapped(v.view, TensorOp::kCopy, {4, 0, 5}), (std::vector<float>{4, 0, 5}));
  Matrix s(12, {3}, {4}, 1);  // strided 1-D view: elements 1, 5, 9
  EXPECT_EQ(gather_mapped(s.view, TensorOp::kCopy, {2, 0}), (std::vector<float>{9, 1}));
}

TEST(Gather, RowMapOfATransposeSelectsOutputColumns) {
  Matrix m(12, {3, 4}, {1, 3});  // a strided view: row i is [i, i+3, i+6, i+9]
  // Logical L = rows {2, 0} = [[2,5,8,11],[0,3,6,9]]; the output is L transposed, [4, 2].
  EXPECT_EQ(gather_mapped(m.view, TensorOp::kTranspose, {2, 0}),
            (std::vector<float>{2, 0, 5, 3, 8, 6, 11, 9}));
}

TEST(Gather, LogicalRowsOfATransposeAndOfACopy) {
  Matrix m(12, {3, 4}, {4, 1});  // [[0..3],[4..7],[8..11]]
  // transpose: [4, 3]; its rows 1..3 are columns 1..2 of m.
  EXPECT_EQ(read_rows(m.view, TensorOp::kTranspose, 1, 3, 3),
            (std::vector<float>{1, 5, 9, 2, 6, 10}));
  EXPECT_EQ(read_rows(m.view, TensorOp::kCopy, 2, 3, 4), (std::vector<float>{8, 9, 10, 11}));
}

TEST(Gather, TransposeOfContiguous) {
  Matrix m(6, {2, 3}, {3, 1});  // [[0,1,2],[3,4,5]]
  EXPECT_EQ(gather_all(m.view, TensorOp::kTranspose), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(Gather, TransposeOfATransposedViewIsAPlainCopy) {
  Matrix m(6, {3, 2}, {1, 3});  // the .t() of [[0,1,2],[3,4,5]]
  EXPECT_EQ(gather_all(m.view, TensorOp::kTranspose), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(Gather, OffsetColumnSlice) {
  Matrix m(20, {3, 2}, {5, 1}, 2);  // rows of 5, columns 2..3
  EXPECT_EQ(gather_all(m.view, TensorOp::kCopy), (std::vector<float>{2, 3, 7, 8, 12, 13}));
}

TEST(Gather, ZeroStrideExpand) {
  Matrix m(4, {3}, {0}, 1);
  EXPECT_EQ(gather_all(m.view, TensorOp::kCopy), (std::vector<float>{1, 1, 1}));
}

TEST(Gather, LargeTransposeMatchesNaiveInEveryTileShapeAndThreadCount) {
  const int64_t R = 37, C = 53;  // not multiples of the 16-row tile
  Matrix m(R * C, {R, C}, {C, 1});
  const Gather g = make_gather(m.view, TensorOp::kTranspose);
  for (int threads : {1, 3}) {
    Workers workers(threads);
    std::vector<uint32_t> out(static_cast<size_t>(R * C));
    workers.run(0, g.rows, 16,
                [&](int64_t b, int64_t e) { gather_rows(g, b, e, out.data() + b * g.cols); });
    for (int64_t j = 0; j < C; ++j) {
      for (int64_t i = 0; i < R; ++i) {
        float f;
        std::memcpy(&f, &out[static_cast<size_t>(j * R + i)], 4);
        ASSERT_EQ(f, static_cast<float>(i * C + j)) << threads << " " << i << "," << j;
      }
    }
  }
}

TEST(Gather, RefusesIntegerTensors) {
  Matrix m(4, {4}, {1});
  m.view.dtype = DType::kI32;
  try {
    make_gather(m.view, TensorOp::kCopy);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              m.dir / "m.bin" + ": tensor 'm': cannot convert dtype int32 to float32 exactly");
  }
}

TEST(Workers, PropagatesTheFirstException) {
  Workers workers(2);
  EXPECT_THROW(workers.run(0, 100, 1,
                           [](int64_t b, int64_t) {
                             if (b == 0) throw std::runtime_error("boom");
                           }),
               std::runtime_error);
  int64_t sum = 0;
  std::mutex mu;
  workers.run(0, 100, 7, [&](int64_t b, int64_t e) {
    std::lock_guard<std::mutex> lock(mu);
    for (int64_t i = b; i < e; ++i) sum += i;
  });
  EXPECT_EQ(sum, 4950);
}

}  // namespace
}  // namespace ckpt
