// Content-Range and the decimal sizes of response headers.
#include "hub/content_range.h"

#include <gtest/gtest.h>

namespace ckpt::hub {
namespace {

TEST(ContentRange, DecimalU64) {
  EXPECT_EQ(parse_decimal_u64("0"), 0u);
  EXPECT_EQ(parse_decimal_u64("9999999999999999999"), 9999999999999999999u);
  EXPECT_EQ(parse_decimal_u64("10000000000000000000"), std::nullopt);  // 20 digits
  EXPECT_EQ(parse_decimal_u64(""), std::nullopt);
  EXPECT_EQ(parse_decimal_u64("+1"), std::nullopt);
  EXPECT_EQ(parse_decimal_u64("1 "), std::nullopt);
}

TEST(ContentRange, TheThreeForms) {
  auto cr = parse_content_range("bytes 100-236499/236500");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->first, 100u);
  EXPECT_EQ(cr->last, 236499u);
  EXPECT_EQ(cr->total, 236500u);
  cr = parse_content_range("bytes 0-9/*");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->first, 0u);
  EXPECT_EQ(cr->total, std::nullopt);
  cr = parse_content_range("bytes */236500");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->first, std::nullopt);
  EXPECT_EQ(cr->last, std::nullopt);
  EXPECT_EQ(cr->total, 236500u);
}

TEST(ContentRange, InconsistentOrMalformedIsRefused) {
  for (const char* v :
       {"", "bytes", "bytes 0-9", "bits 0-9/10", "bytes */*", "bytes 9-0/10", "bytes 0-10/10",
        "bytes -9/10", "bytes 0-/10", "bytes 0-9/x", "bytes 0-99999999999999999999/*"}) {
    EXPECT_EQ(parse_content_range(v), std::nullopt) << v;
  }
}

}  // namespace
}  // namespace ckpt::hub
