// Response heads as curl delivers them, line by line.
#include "hub/http_head.h"

#include <gtest/gtest.h>

namespace ckpt::hub {
namespace {

TEST(HttpHead, StatusHeadersAndEnd) {
  long status = 0;
  Headers h;
  EXPECT_EQ(parse_head_line("HTTP/1.1 206 Partial Content\r\n", status, h), HeadLine::kStatus);
  EXPECT_EQ(status, 206);
  EXPECT_EQ(parse_head_line("Content-Range:  bytes 0-1/2 \r\n", status, h), HeadLine::kHeader);
  EXPECT_EQ(parse_head_line("X-Linked-Etag: \"abc:def\"\r\n", status, h), HeadLine::kHeader);
  EXPECT_EQ(parse_head_line("no colon here\r\n", status, h), HeadLine::kIgnored);
  EXPECT_EQ(parse_head_line("\r\n", status, h), HeadLine::kEnd);
  EXPECT_EQ(h, (Headers{{"content-range", "bytes 0-1/2"}, {"x-linked-etag", "\"abc:def\""}}));
}

TEST(HttpHead, ANewStatusLineStartsAFreshResponse) {
  long status = 0;
  Headers h;
  parse_head_line("HTTP/1.1 100 Continue\r\n", status, h);
  parse_head_line("X-A: 1\r\n", status, h);
  parse_head_line("HTTP/2 200\r\n", status, h);
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(h.empty());
}

TEST(HttpHead, StatusWithoutANumberIsZero) {
  long status = 7;
  Headers h;
  parse_head_line("HTTP/1.1\r\n", status, h);
  EXPECT_EQ(status, 0);
  parse_head_line("HTTP/1.1 abc\r\n", status, h);
  EXPECT_EQ(status, 0);
  parse_head_line("HTTP/1.1 -200\r\n", status, h);
  EXPECT_EQ(status, 0);
  parse_head_line("HTTP/1.1 99999999999999999999999\r\n", status, h);
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace ckpt::hub
