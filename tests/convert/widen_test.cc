#include "convert/widen.h"

#include <gtest/gtest.h>

#include <cstring>

#include "convert/element_compare.h"

namespace ckpt {
namespace {

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(Widen, KnownHalfValues) {
  EXPECT_EQ(f16_bits_to_f32_bits(0x3C00), bits(1.0f));
  EXPECT_EQ(f16_bits_to_f32_bits(0xC000), bits(-2.0f));
  EXPECT_EQ(f16_bits_to_f32_bits(0x7BFF), bits(65504.0f));        // largest finite half
  EXPECT_EQ(f16_bits_to_f32_bits(0x0001), bits(5.9604645e-08f));  // smallest subnormal, 2^-24
  EXPECT_EQ(f16_bits_to_f32_bits(0x03FF), bits(6.0975552e-05f));  // largest subnormal
  EXPECT_EQ(f16_bits_to_f32_bits(0x8000), 0x80000000u);           // -0
  EXPECT_EQ(f16_bits_to_f32_bits(0x7C00), 0x7F800000u);           // +inf
  EXPECT_EQ(f16_bits_to_f32_bits(0xFC00), 0xFF800000u);           // -inf
  EXPECT_EQ(f16_bits_to_f32_bits(0x7E01), 0x7FC02000u);           // NaN payload kept
}

TEST(Widen, BfloatIsTheTopHalf) {
  EXPECT_EQ(bf16_bits_to_f32_bits(0x3F80), bits(1.0f));
  EXPECT_EQ(bf16_bits_to_f32_bits(0xC2F7), 0xC2F70000u);
}

// convert's table and verify's arithmetic agree on every one of the 65536 half values, so a
// verify pass is not a tautology of a shared routine.
TEST(Widen, ConvertAndVerifyRoutinesAgreeOnEveryHalf) {
  const uint32_t* table = f16_to_f32_table();
  for (uint32_t h = 0; h < 65536; ++h) {
    ASSERT_EQ(table[h], bits(widen_half(static_cast<uint16_t>(h)))) << std::hex << h;
  }
}

}  // namespace
}  // namespace ckpt
