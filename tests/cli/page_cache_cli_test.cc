// Input the page cache did not hold is dropped from it once read (io/drop_behind.h): after
// convert or verify of a cold HF model, or to-hf of a cold bundle, the pages inside its
// tensors are dropped from the cache, so a model larger than memory is read through recycled
// page frames; input that was cached stays cached. What was cached is told by the mapping's
// snapshot at open (MappedFile::cached_at_open), so this check's own header reads do not count.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/hub_step.h"
#include "cli_test_util.h"
#include "formats/checkpoint_discovery.h"
#include "formats/tf_bundle_reader.h"
#include "io/mapped_file.h"

namespace ckpt {
namespace {

constexpr uint64_t kPage = 4096;

struct Cached {
  uint64_t inner = 0;     // bytes of whole pages inside the tensors
  uint64_t resident = 0;  // of those, bytes the page cache holds
};

Cached cached_inside_tensors(const Checkpoint& c) {
  Cached r;
  for (const TensorView& t : c.tensors) {
    const uint64_t b = (t.offset + kPage - 1) / kPage * kPage;
    const uint64_t e = (t.offset + t.span_bytes()) / kPage * kPage;
    if (b >= e) continue;
    r.inner += e - b;
    r.resident += t.file->cached_at_open(b, e - b);
  }
  return r;
}

// Less than a quarter of the tensors' pages cached. Without the drop every page stays (the
// walk read them all); a page the kernel is still reading ahead when its range is dropped
// cannot be dropped, so a few may stay.
void expect_mostly_dropped(const Cached& c) {
  ASSERT_GT(c.inner, 100u * 1024);
  EXPECT_LT(c.resident * 4, c.inner) << c.resident << " of " << c.inner << " bytes cached";
}

class PageCache : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy(test_data("gptj-tiny"), hf_, std::filesystem::copy_options::recursive);
    ASSERT_TRUE(succeeds({"convert", "--input_dir", hf_, "--output_dir", cs_}));
  }
  static ::testing::AssertionResult succeeds(std::vector<std::string> args) {
    args.emplace_back("--no_progress");
    const CommandResult r = ckptconv(args);
    if (r.exit_code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "exit code " << r.exit_code << ": " << r.err;
  }
  Cached hf_cached() const { return cached_inside_tensors(open_checkpoint(hf_)); }
  Cached cs_cached() const { return cached_inside_tensors(read_tf_bundle(cs_ + "/tf_model.ckpt")); }

  TempDir dir_;
  std::string hf_ = dir_ / "hf";
  std::string cs_ = dir_ / "cs";
  std::string weights_ = hf_ + "/pytorch_model.bin";
  std::string data_ = cs_ + "/tf_model.ckpt.data-00000-of-00001";
};

TEST_F(PageCache, ToHfDropsAColdInputOnceRead) {
  ASSERT_TRUE(evict_from_page_cache(data_));
  ASSERT_TRUE(succeeds({"to-hf", "--input_dir", cs_, "--output_dir", dir_ / "back"}));
  expect_mostly_dropped(cs_cached());
}

TEST_F(PageCache, ConvertDropsAColdInputOnceRead) {
  ASSERT_TRUE(evict_from_page_cache(weights_));
  ASSERT_TRUE(succeeds({"convert", "--input_dir", hf_, "--output_dir", dir_ / "again"}));
  expect_mostly_dropped(hf_cached());
}

TEST_F(PageCache, VerifyDropsAColdInputOnceRead) {
  ASSERT_TRUE(evict_from_page_cache(weights_));
  ASSERT_TRUE(evict_from_page_cache(data_));
  ASSERT_TRUE(succeeds({"verify", "--input_dir", hf_, "--output_dir", cs_}));
  expect_mostly_dropped(hf_cached());
  expect_mostly_dropped(cs_cached());  // read with O_DIRECT: never cached
}

// Whether convert must download is decided without reading the weights (a git-lfs pointer
// is told by its size): a read before the command maps them would make them look cached.
TEST_F(PageCache, LookingForALocalModelReadsNoWeights) {
  ASSERT_TRUE(evict_from_page_cache(weights_));
  ASSERT_TRUE(cli::has_local_model(hf_));
  const MappedFilePtr f = MappedFile::open(weights_);
  EXPECT_EQ(f->cached_at_open(0, f->size()), 0u);
}

TEST_F(PageCache, AWarmInputStaysCached) {
  ASSERT_EQ(read_file(weights_).size(), std::filesystem::file_size(weights_));
  ASSERT_TRUE(succeeds({"convert", "--input_dir", hf_, "--output_dir", dir_ / "again"}));
  const Cached c = hf_cached();
  EXPECT_EQ(c.resident, c.inner);
}

}  // namespace
}  // namespace ckpt
