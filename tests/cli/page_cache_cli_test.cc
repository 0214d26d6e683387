// Input the page cache did not hold is dropped from it once read (io/read_ahead.h): after
// to-hf of a cold bundle the pages inside its variables are dropped from the cache, so a model
// larger than memory is read through recycled page frames; input that was cached stays cached.
// (convert's and verify's HF input is not checked here: opening the tiny torch zip reads its
// headers, which pulls the whole 463 KB file into the cache before the walk begins, so it
// counts as cached and stays.)
#include <gtest/gtest.h>

#include <filesystem>

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
    r.resident += t.file->resident_bytes(b, e - b);
  }
  return r;
}

class PageCache : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy(test_data("gptj-tiny"), hf_, std::filesystem::copy_options::recursive);
    const CommandResult r = ckptconv({"convert", "--input_dir", hf_, "--output_dir", cs_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
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
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", cs_, "--output_dir", dir_ / "back", "--no_progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Cached c = cs_cached();
  ASSERT_GT(c.inner, 100u * 1024);
  // Without the drop every page stays (the walk read them all). A page the read-ahead thread
  // asked for just as the consumer finished its variable may still be under I/O when the
  // variable is dropped, and a page being read cannot be dropped: a few may stay.
  EXPECT_LT(c.resident * 4, c.inner) << c.resident << " of " << c.inner << " bytes cached";
}

TEST_F(PageCache, AWarmInputStaysCached) {
  ASSERT_EQ(read_file(weights_).size(), std::filesystem::file_size(weights_));
  const CommandResult r = ckptconv({"convert", "--input_dir", hf_, "--output_dir", dir_ / "again"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Cached c = hf_cached();
  EXPECT_EQ(c.resident, c.inner);
}

}  // namespace
}  // namespace ckpt
