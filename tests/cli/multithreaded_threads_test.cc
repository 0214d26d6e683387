// The multi-threaded paths end to end (--threads 4: workers, write-behind, the progress bar).
// Labelled `threads`: the tsan preset runs exactly these under ThreadSanitizer.
#include <gtest/gtest.h>

#include <thread>

#include "cli/progress_bar.h"
#include "cli_test_util.h"
#include "formats/checkpoint_discovery.h"

namespace ckpt {
namespace {

// name -> sha256 of every tensor of the checkpoint at `path`.
std::map<std::string, std::string> hf_hashes(const std::string& path) {
  std::map<std::string, std::string> out;
  for (const TensorView& t : open_checkpoint(path).tensors) {
    Sha256 h;
    h.update(t.data(), t.byte_size());
    out[t.name] = h.hex_digest();
  }
  return out;
}

TEST(FourThreads, ConvertVerifyAndBackToHf) {
  TempDir dir;
  const CommandResult c =
      ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "cs",
                "--threads", "4", "--buffer-mb", "1"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(bundle_hashes(dir / "cs"), expected_hashes(test_data("gptj-tiny/expected-cs.json")));

  const CommandResult v = ckptconv({"verify", "--input_dir", test_data("gptj-tiny"), "--output_dir",
                                    dir / "cs", "--threads", "4"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

  const CommandResult h = ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf",
                                    "--format", "bin", "--threads", "4"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(hf_hashes(dir / "hf/pytorch_model.bin"),
            hf_hashes(test_data("gptj-tiny/pytorch_model.bin")));
}

// Strided and shared-storage views take the row-gather path; any thread count, same bytes.
TEST(FourThreads, StridedViewsGiveTheSameBundleAsOneThread) {
  TempDir dir;
  for (const char* t : {"1", "4"}) {
    const CommandResult r = ckptconv({"convert", "--input_dir", test_data("gptj-variants/tricky"),
                                      "--output_dir", dir / t, "--threads", t, "--buffer-mb", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  for (const char* f : {"tf_model.ckpt.index", "tf_model.ckpt.data-00000-of-00001"})
    EXPECT_TRUE(read_file(dir / "1/" + f) == read_file(dir / "4/" + f)) << f;
}

// advance() is called from the write-behind thread while others draw (issue 12: last_draw_
// was read outside the lock). The bar draws to stderr, so this test's log shows it.
TEST(ProgressBarThreads, AdvanceFromManyThreads) {
  cli::ProgressBar bar(/*enabled=*/true);
  bar.start("test", 4'000'000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1'000'000; ++i) bar.advance(1);
    });
  }
  for (std::thread& t : threads) t.join();
  bar.finish();
  SUCCEED();  // the check is ThreadSanitizer's (tsan preset): no report
}

}  // namespace
}  // namespace ckpt
