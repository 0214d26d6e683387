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
  // TF elements at the flat indices `bad` are -1, or -0 where the right value is +0.
  Pair(int64_t rows, int64_t cols, const std::vector<int64_t>& map,
       const std::vector<int64_t>& bad = {}) {
    std::vector<float> h(static_cast<size_t>(rows * cols));
    std::iota(h.begin(), h.end(), 0.0f);
    hf = view_of(dir, "hf.bin", h, {rows, cols});
    const auto lr = static_cast<int64_t>(map.size());
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t j = 0; j < lr; ++j) tf_values.push_back(h[map[j] * cols + c]);
    }
    for (int64_t at : bad) {
      float& v = tf_values[static_cast<size_t>(at)];
      v = v == 0.0f ? -0.0f : -1.0f;
    }
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
  Pair p(40, 33, map, {5 * 40 + 17});  // TF [33, 40]: row 5, column 17
  Workers workers(2);
  const CompareOutcome c = compare_tensor(p.tf, p.hf, TensorOp::kTranspose, {}, workers);
  EXPECT_EQ(c.mismatches, 1u);
  EXPECT_EQ(c.first_mismatch.substr(0, 8), "[5, 17]:");
}

// TF [700, 1100] spans more than one square of the transposed walk each way, with edge tiles
// on both: a wrong element is found in a full tile, on a tile's edge, on both sides of a
// square's edge and in the last, partial tile, and +0 against -0 is a difference.
TEST(ElementCompare, ATransposedCompareFindsEveryWrongElementAcrossTilesAndSquares) {
  std::vector<int64_t> map(1100);
  std::iota(map.begin(), map.end(), 0);
  const auto at = [](int64_t r, int64_t c) { return r * 1100 + c; };
  const std::vector<int64_t> bad{at(0, 0),     at(9, 6),      at(15, 16),   at(511, 511),
                                 at(512, 512), at(600, 1023), at(699, 1099)};
  Pair p(1100, 700, map, bad);
  for (int threads : {1, 2}) {
    Workers workers(threads);
    const CompareOutcome c = compare_tensor(p.tf, p.hf, TensorOp::kTranspose, {}, workers);
    EXPECT_EQ(c.mismatches, bad.size());
    EXPECT_EQ(c.first_mismatch, "[0, 0]: TF -0 (0x80000000) != HF 0 (0x00000000)");
    EXPECT_EQ(c.crc32c, crc32c(p.tf.data(), p.tf.byte_size()));
  }
  Pair one(1100, 700, map, {at(600, 1023)});
  Workers workers(2);
  const CompareOutcome c = compare_tensor(one.tf, one.hf, TensorOp::kTranspose, {}, workers);
  EXPECT_EQ(c.mismatches, 1u);
  EXPECT_EQ(c.first_mismatch, "[600, 1023]: TF -1 (0xbf800000) != HF 716700 (0x492ef9c0)");
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
