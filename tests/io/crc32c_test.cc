#include "io/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ckpt {
namespace {

uint32_t crc_of(const std::string& s) {
  return crc32c(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

TEST(Crc32c, CombineEqualsTheCrcOfTheConcatenation) {
  const std::vector<uint8_t> all = random_bytes(70000, 7);
  for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, size_t{4096}, size_t{12289}, all.size()}) {
    const uint32_t a = crc32c(all.data(), cut);
    const uint32_t b = crc32c(all.data() + cut, all.size() - cut);
    EXPECT_EQ(crc32c_combine(a, b, all.size() - cut), crc32c(all.data(), all.size())) << cut;
  }
}

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc_of("123456789"), 0xE3069283u);
  EXPECT_EQ(crc_of(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc_of(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(crc_of(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc_of(descending), 0x113FDB5Cu);
  EXPECT_EQ(crc_of(""), 0u);
}

TEST(Crc32c, BothImplementationsMatchKnownVector) {
  const std::string s = "123456789";
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  EXPECT_EQ(crc32c_extend_table(0, p, s.size()), 0xE3069283u);
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  EXPECT_EQ(crc32c_extend_hardware(0, p, s.size()), 0xE3069283u);
}

TEST(Crc32c, IncrementalSplitAtEveryPositionEqualsOneShot) {
  const std::vector<uint8_t> data = random_bytes(300, 1);
  const uint32_t whole = crc32c(data.data(), data.size());
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    const uint32_t first = crc32c(data.data(), cut);
    EXPECT_EQ(crc32c_extend(first, data.data() + cut, data.size() - cut), whole) << cut;
  }
}

TEST(Crc32c, IncrementalAcrossTheInterleavedPathEqualsOneShot) {
  // Lengths around multiples of the 3 x 4096-byte interleaved block, split unevenly.
  const std::vector<uint8_t> data = random_bytes(3 * 3 * 4096 + 77, 2);
  const uint32_t whole = crc32c_extend_table(0, data.data(), data.size());
  for (size_t cut : {0ul, 1ul, 7ul, 4096ul, 12287ul, 12288ul, 12289ul, 24576ul, 30000ul}) {
    uint32_t c = crc32c(data.data(), cut);
    EXPECT_EQ(crc32c_extend(c, data.data() + cut, data.size() - cut), whole) << cut;
  }
}

TEST(Crc32c, HardwareEqualsTableOnRandomBuffers) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(3);
  for (int round = 0; round < 200; ++round) {
    const size_t n = round < 100 ? static_cast<size_t>(round) : rng() % 100000;
    const size_t misalign = rng() % 8;
    std::vector<uint8_t> buf = random_bytes(n + misalign, static_cast<uint32_t>(round));
    const uint32_t seed = rng();
    EXPECT_EQ(crc32c_extend_hardware(seed, buf.data() + misalign, n),
              crc32c_extend_table(seed, buf.data() + misalign, n))
        << "n=" << n << " misalign=" << misalign;
  }
}

TEST(Crc32c, MaskAndUnmask) {
  // The crc of four zero bytes as TF stores it for a float32 0.0 (EXPECTED.json: 974224294).
  const std::string zeros(4, '\0');
  EXPECT_EQ(crc_of(zeros), 0x48674BC7u);
  EXPECT_EQ(crc32c_mask(crc_of(zeros)), 974224294u);
  EXPECT_EQ(crc32c_unmask(974224294u), 0x48674BC7u);
  EXPECT_NE(crc32c_mask(0xE3069283u), 0xE3069283u);
  std::mt19937 rng(4);
  for (int i = 0; i < 1000; ++i) {
    const uint32_t c = rng();
    EXPECT_EQ(crc32c_unmask(crc32c_mask(c)), c);
  }
}

}  // namespace
}  // namespace ckpt
