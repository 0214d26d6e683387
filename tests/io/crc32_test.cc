#include "io/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

namespace ckpt {
namespace {

uint32_t zlib_crc(const uint8_t* data, size_t n) {
  return static_cast<uint32_t>(crc32_z(0, data, n));
}

TEST(Crc32, KnownVectorAndEmpty) {
  const std::string check = "123456789";  // the catalogue's check value for CRC-32/ISO-HDLC
  EXPECT_EQ(crc32_extend(0, reinterpret_cast<const uint8_t*>(check.data()), check.size()),
            0xCBF43926u);
  EXPECT_EQ(crc32_extend(0, nullptr, 0), 0u);
  EXPECT_EQ(crc32_extend(0x12345678u, nullptr, 0), 0x12345678u);
}

// Every length up to a few vector widths, at every start alignment within 64 bytes, and large
// runs, split anywhere: the same values as zlib's crc32_z, which zip readers check against.
TEST(Crc32, EqualsZlibAtEveryLengthAlignmentAndSplit) {
  std::mt19937 rng(11);
  std::vector<uint8_t> data((1 << 20) + 64);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t align = 0; align < 64; align += 3) {
    for (size_t n = 0; n <= 600; ++n) {
      ASSERT_EQ(crc32_extend(0, data.data() + align, n), zlib_crc(data.data() + align, n))
          << "align " << align << " length " << n;
    }
  }
  const size_t n = data.size() - 64;
  for (size_t cut : {size_t{0}, size_t{1}, size_t{63}, size_t{4096}, size_t{100003}, n}) {
    const uint32_t head = crc32_extend(0, data.data() + 5, cut);
    EXPECT_EQ(crc32_extend(head, data.data() + 5 + cut, n - cut), zlib_crc(data.data() + 5, n))
        << cut;
  }
}

}  // namespace
}  // namespace ckpt
