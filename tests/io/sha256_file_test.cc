// sha256_update_from_file closes its descriptor on every way out (issue 12: it leaked when
// hashing threw).
#include <gtest/gtest.h>

#include <filesystem>

#include "io/sha256.h"
#include "test_util.h"

namespace ckpt {
namespace {

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(Sha256File, ClosesItsDescriptorWhenItFails) {
  TempDir dir;
  write_file(dir / "short", "abc");
  const size_t before = open_fds();
  for (int i = 0; i < 3; ++i) {
    Sha256 h;
    EXPECT_EQ(error_of([&] { sha256_update_from_file(h, dir.path()); }),
              dir.path() + ": cannot read: Is a directory");
    EXPECT_EQ(error_of([&] { sha256_update_from_file(h, dir / "short", 10); }),
              dir / "short: shorter than 10 bytes");
    Sha256 whole;
    sha256_update_from_file(whole, dir / "short");
    EXPECT_EQ(whole.hex_digest(), sha256_hex("abc"));
  }
  EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace ckpt
