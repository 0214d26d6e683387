// git-lfs pointers: refused with one message wherever a checkpoint is read; told from a path
// without reading a file too large to be one.
#include "formats/git_lfs_pointer.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace ckpt {
namespace {

const std::string kPointer =
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n";

TEST(GitLfsPointer, RefusedNamingTheFile) {
  TempDir dir;
  const std::string path = dir / "model.safetensors";
  write_file(path, kPointer);
  EXPECT_EQ(error_of([&] { refuse_git_lfs_pointer(*MappedFile::open(path)); }),
            path +
                ": is a git-lfs pointer, not the weights (run `git lfs pull` or let ckptconv "
                "download them)");
  write_file(path, "version https://git-lf");  // a prefix of the marker is not a pointer
  EXPECT_EQ(error_of([&] { refuse_git_lfs_pointer(*MappedFile::open(path)); }), "no error");
}

TEST(GitLfsPointer, ToldFromAPath) {
  TempDir dir;
  const std::string path = dir / "pytorch_model.bin";
  write_file(path, kPointer);
  EXPECT_TRUE(is_git_lfs_pointer_file(path));
  write_file(path, "PK\x03\x04");
  EXPECT_FALSE(is_git_lfs_pointer_file(path));
  // 1024 bytes or more is over git-lfs's limit for a pointer: not one, whatever it starts with.
  write_file(path, kPointer + std::string(1024 - kPointer.size(), 'x'));
  EXPECT_FALSE(is_git_lfs_pointer_file(path));
  EXPECT_FALSE(is_git_lfs_pointer_file(dir / "missing.bin"));
}

}  // namespace
}  // namespace ckpt
