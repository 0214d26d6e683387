// TensorView::make, the one validation every reader's views go through: each refusal with its
// exact message, and the legitimate layouts (empty tensors at the end, zero strides) accepted.
#include "formats/tensor_view.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace ckpt {
namespace {

constexpr int64_t k2p31 = int64_t{1} << 31;
constexpr int64_t k2p40 = int64_t{1} << 40;

class TensorViewMake : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "f", std::string(24, '\0'));
    file_ = MappedFile::open(dir_ / "f");
  }
  // The error make() gives, without the file name in front ("no error" when it accepts).
  std::string error(const Shape& shape, std::optional<Shape> strides, uint64_t offset = 0,
                    DType dtype = DType::kF32, std::optional<ByteRegion> within = std::nullopt) {
    const std::string e = error_of(
        [&] { TensorView::make("w", dtype, shape, std::move(strides), file_, offset, within); });
    const std::string prefix = dir_ / "f: ";
    return e.rfind(prefix, 0) == 0 ? e.substr(prefix.size()) : e;
  }

  TempDir dir_;
  MappedFilePtr file_;
};

TEST_F(TensorViewMake, AcceptsRowMajorAndFillsInTheStrides) {
  const TensorView v = TensorView::make("w", DType::kF32, {2, 3}, std::nullopt, file_, 0);
  EXPECT_EQ(v.strides, (Shape{3, 1}));
  EXPECT_EQ(v.span_bytes(), 24u);
  EXPECT_TRUE(v.is_contiguous());
}

TEST_F(TensorViewMake, AcceptsLegitimateLayouts) {
  EXPECT_EQ(error({1000}, Shape{0}), "no error");              // expand(): one element, reused
  EXPECT_EQ(error({0}, std::nullopt, 24), "no error");         // empty, at the very end
  EXPECT_EQ(error({0, k2p40}, std::nullopt, 24), "no error");  // empty, big but countable
  EXPECT_EQ(error({3, 2}, Shape{1, 3}), "no error");           // a transposed view
  EXPECT_EQ(error({}, std::nullopt, 20), "no error");          // a scalar in the last 4 bytes
}

TEST_F(TensorViewMake, RefusesNegativeDimensionsAndStrides) {
  EXPECT_EQ(error({2, -1}, std::nullopt), "tensor 'w' has shape [2, -1] with a negative dimension");
  EXPECT_EQ(error({2}, Shape{-1}), "tensor 'w' has stride [-1] with a negative step");
  EXPECT_EQ(error({2, 3}, Shape{1}), "tensor 'w' has shape [2, 3] but stride [1]");
}

TEST_F(TensorViewMake, RefusesSizesThatOverflow) {
  EXPECT_EQ(error({k2p31, k2p31}, std::nullopt),
            "tensor 'w' has shape [2147483648, 2147483648] whose byte size overflows 64 bits");
  EXPECT_EQ(error({INT64_MAX}, std::nullopt, 0, DType::kU8), "tensor 'w' (shape [" +
                                                                 std::to_string(INT64_MAX) +
                                                                 "], stride [1], byte offset 0) "
                                                                 "reaches past the end of the "
                                                                 "file (24 bytes)");
  // No elements, so no bytes, but the first stride would be 2^80.
  EXPECT_EQ(
      error({0, k2p40, k2p40}, std::nullopt),
      "tensor 'w' has shape [0, 1099511627776, 1099511627776] whose strides overflow 64 bits");
  // The furthest element's index overflows.
  EXPECT_EQ(error({2, 2}, Shape{INT64_MAX, 1}),
            "tensor 'w' (shape [2, 2], stride [" + std::to_string(INT64_MAX) +
                ", 1], byte offset 0) reaches past the end of the file (24 bytes)");
}

TEST_F(TensorViewMake, RefusesViewsOutsideTheirRegion) {
  EXPECT_EQ(error({7}, std::nullopt),
            "tensor 'w' (shape [7], stride [1], byte offset 0) reaches past the end of the file "
            "(24 bytes)");
  EXPECT_EQ(error({0}, std::nullopt, 25),
            "tensor 'w' (shape [0], stride [1], byte offset 25) reaches past the end of the file "
            "(24 bytes)");
  EXPECT_EQ(error({3}, std::nullopt, 8, DType::kF32, ByteRegion{8, 8, "storage '1'"}),
            "tensor 'w' (shape [3], stride [1], byte offset 0) reaches past the end of storage "
            "'1' (8 bytes)");
  EXPECT_EQ(error({3}, std::nullopt, 4, DType::kF32, ByteRegion{8, 16, "storage '1'"}),
            "tensor 'w' (shape [3], stride [1], byte offset -4) reaches past the end of storage "
            "'1' (16 bytes)");
  EXPECT_EQ(error({1}, std::nullopt, 16, DType::kF32, ByteRegion{16, 16, "storage '1'"}),
            "storage '1' at offset 16 (16 bytes) lies beyond the end of the file (24 bytes)");
}

TEST(ContiguousStrides, AreCheckedProducts) {
  EXPECT_EQ(contiguous_strides({2, 3, 4}), (Shape{12, 4, 1}));
  EXPECT_EQ(contiguous_strides({}), Shape{});
  EXPECT_EQ(contiguous_strides({k2p40, k2p40}), (Shape{k2p40, 1}));  // the strides fit
  EXPECT_EQ(contiguous_strides({0, k2p40, k2p40}), std::nullopt);
  EXPECT_EQ(contiguous_strides({2, -3}), std::nullopt);
}

TEST(ShapeBytes, AreCheckedProducts) {
  EXPECT_EQ(shape_bytes({2, 3}, DType::kF32), 24);
  EXPECT_EQ(shape_bytes({}, DType::kF64), 8);
  EXPECT_EQ(shape_bytes({k2p31, k2p31}, DType::kF32), -1);
  EXPECT_EQ(shape_bytes({k2p31, k2p31}, DType::kU8), int64_t{1} << 62);
  EXPECT_EQ(shape_bytes({-1}, DType::kU8), -1);
}

}  // namespace
}  // namespace ckpt
