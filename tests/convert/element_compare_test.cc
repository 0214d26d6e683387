#include "convert/element_compare.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "io/crc32c.h"
#include "test_util.h"

namespace ckpt {
namespace {

TensorView view_of(const TempDir& dir, const std::string& name, const std::vector<float>& v,
                   Shape shape) {
  write_file(dir / name, std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
  TensorView t;
  t.name = name;
  t.dtype = DType::kF32;
  t.strides = *contiguous_strides(shape);
  t.shape = std::move(shape);
  t.file = MappedFile::open(dir / name);
  return t;
}

// HF [R, C] = 0, 1, 2, ...; L = HF rows picked by `map`; TF = L transposed.
struct Pair {
  TempDir dir;
  TensorView hf, tf;
  std::vector<float> tf_values;
  Pair(int64_t rows, int64_t cols, const std::vector<int64_t>& map, int64_t bad_at = -1) {
    std::vector<float> h(static_cast<size_t>(rows * cols));
    std::iota(h.begin(), h.end(), 0.0f);
    hf = view_of(dir, "hf.bin", h, {rows, cols});
    const auto lr = static_cast<int64_t>(map.size());
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t j = 0; j < lr; ++j) tf_values.push_back(h[map[j] * cols + c]);
    }
    if (bad_at >= 0) tf_values[static_cast<size_t>(bad_at)] = -1.0f;
    tf = view_of(dir, "tf.bin", tf_values, {cols, lr});
  }
};

TEST(ElementCompare, TransposeThroughARowMapMatchesAndChecksums) {
  std::vector<int64_t> map;
  for (int64_t h = 0; h < 5; ++h) {
    for (int64_t d = 0; d < 7; ++d) map.push_back(h * 21 + 14 + (6 - d));  // "v", reversed
  }
  Pair p(105, 37, map);
  for (int threads : {1, 3}) {
    Workers workers(threads);
    const CompareOutcome c = compare_tensor(p.tf, p.hf, TensorOp::kTranspose, map, workers);
    EXPECT_EQ(c.mismatches, 0u);
    EXPECT_EQ(c.crc32c, crc32c(p.tf.data(), p.tf.byte_size()));
  }
}

TEST(ElementCompare, AWrongElementIsFoundWhereItIs) {
  std::vector<int64_t> map(40);
  std::iota(map.begin(), map.end(), 0);
  Pair p(40, 33, map, 5 * 40 + 17);  // TF [33, 40]: row 5, column 17
  Workers workers(2);
  const CompareOutcome c = compare_tensor(p.tf, p.hf, TensorOp::kTranspose, {}, workers);
  EXPECT_EQ(c.mismatches, 1u);
  EXPECT_EQ(c.first_mismatch.substr(0, 8), "[5, 17]:");
}

TEST(ElementCompare, CopyThroughARowMap) {
  TempDir dir;
  std::vector<float> h(12);
  std::iota(h.begin(), h.end(), 0.0f);
  const TensorView hf = view_of(dir, "hf.bin", h, {12});
  const std::vector<int64_t> map{8, 9, 10, 11, 3};
  const TensorView tf = view_of(dir, "tf.bin", {8, 9, 10, 11, 3}, {5});
  Workers workers(2);
  EXPECT_EQ(compare_tensor(tf, hf, TensorOp::kCopy, map, workers).mismatches, 0u);
  const TensorView wrong = view_of(dir, "wrong.bin", {8, 9, 10, 11, 4}, {5});
  EXPECT_EQ(compare_tensor(wrong, hf, TensorOp::kCopy, map, workers).mismatches, 1u);
}

}  // namespace
}  // namespace ckpt
