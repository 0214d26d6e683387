#include "io/output_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

TEST(OutputFile, CommitRenamesIntoPlace) {
  TempDir dir;
  const std::string path = dir.path() + "/out.bin";
  {
    OutputFile f(path);
    f.write("hello ");
    f.write("world");
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(std::filesystem::exists(f.temp_path()));
    f.commit();
  }
  EXPECT_EQ(read_file(path), "hello world");
  EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{"out.bin"});
}

TEST(OutputFile, DestroyedWithoutCommitLeavesNothing) {
  TempDir dir;
  const std::string path = dir.path() + "/out.bin";
  {
    OutputFile f(path);
    f.write("partial");
  }
  EXPECT_TRUE(list_dir(dir.path()).empty());
}

TEST(OutputFile, UnwritableDirectoryIsAClearError) {
  try {
    OutputFile f("/nonexistent-dir-ckptconv/x.bin");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kIo);
    EXPECT_STREQ(e.what(),
                 "/nonexistent-dir-ckptconv/x.bin: cannot create: No such file or directory");
  }
}

TEST(OutputFile, DiskFullIsAClearErrorAndLeavesNothing) {
  // A 64 KiB tmpfs in a private mount namespace (see test_util.h) fills up for real.
  const std::string message = run_in_small_tmpfs([](const std::string& mnt) {
    try {
      OutputFile f(mnt + "/out.bin");
      std::vector<uint8_t> block(1 << 20, 0xAB);
      f.write(block);
      f.commit();
      return std::string("no error");
    } catch (const Error& e) {
      return std::string(e.what()) + (list_dir(mnt).empty() ? "" : " (left files)");
    }
  });
  if (message == kNoMountNamespace) GTEST_SKIP() << message;
  EXPECT_EQ(message, "<tmpfs>/out.bin: cannot write: No space left on device");
}

}  // namespace
}  // namespace ckpt
