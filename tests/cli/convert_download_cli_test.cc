// convert on an input directory without weights downloads them first (from a fake hub on
// 127.0.0.1) and produces exactly what converting the local files produces.
#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "hub/fake_hub.h"

namespace ckpt {
namespace {

TEST(ConvertDownload, EmptyInputDirIsFilledFromTheHubThenConverted) {
  hub::testing::FakeHub hub;
  TempDir dir;
  const CommandResult local =
      ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "local"});
  ASSERT_EQ(local.exit_code, 0) << local.err;

  const CommandResult r = ckptconv(
      {"convert", "--input_dir", dir / "hf", "--output_dir", dir / "cs", "--repo",
       hub::testing::kTinyRepo},
      {"HF_ENDPOINT=" + hub.endpoint(), "NO_PROXY=127.0.0.1", "HF_HOME=" + dir / "hf-home"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "downloaded EleutherAI/gpt-j-tiny@main into " + dir / "hf" +
                       " (2 files)\nconverted 25 tensors, 115840 parameters (pytorch-zip) into " +
                       dir / "cs" + "\n");
  EXPECT_EQ(read_file(dir / "hf/pytorch_model.bin"),
            read_file(test_data("gptj-tiny/pytorch_model.bin")));
  for (const char* f :
       {"tf_model.ckpt.index", "tf_model.ckpt.data-00000-of-00001", "keys.json", "shapes.json"}) {
    EXPECT_EQ(read_file(dir / std::string("cs/") + f), read_file(dir / std::string("local/") + f))
        << f;
  }
}

TEST(ConvertDownload, GitLfsPointerIsReplacedByTheRealWeights) {
  hub::testing::FakeHub hub;
  TempDir dir;
  std::filesystem::create_directories(dir / "hf");
  std::filesystem::copy_file(test_data("gptj-tiny/config.json"), dir / "hf/config.json");
  std::filesystem::copy_file(test_data("gptj-variants/malformed-lfs-pointer/pytorch_model.bin"),
                             dir / "hf/pytorch_model.bin");
  const CommandResult r = ckptconv({"convert", "--input_dir", dir / "hf", "--output_dir",
                                    dir / "cs", "--repo", hub::testing::kTinyRepo},
                                   {"HF_ENDPOINT=" + hub.endpoint(), "NO_PROXY=127.0.0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "hf/pytorch_model.bin"),
            read_file(test_data("gptj-tiny/pytorch_model.bin")));
  EXPECT_EQ(bundle_hashes(dir / "cs"), expected_hashes(test_data("gptj-tiny/expected-cs.json")));
}

TEST(ConvertDownload, OfflineWithoutWeightsSaysWhatIsMissing) {
  TempDir dir;
  const CommandResult r =
      ckptconv({"convert", "--input_dir", dir / "hf", "--output_dir", dir / "cs", "--offline"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err,
            "ckptconv: error: " + dir / "hf" +
                ": weights missing and offline mode is on (HF_HUB_OFFLINE=1): need config.json, "
                "model.safetensors or pytorch_model.bin\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "cs"));
}

TEST(Download, CommandFetchesIntoTheOutputDir) {
  hub::testing::FakeHub hub;
  TempDir dir;
  const CommandResult r =
      ckptconv({"download", "--repo", hub::testing::kTinyRepo, "--output_dir", dir / "m"},
               {"HF_ENDPOINT=" + hub.endpoint(), "NO_PROXY=127.0.0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(list_dir(dir / "m"), (std::vector<std::string>{"config.json", "pytorch_model.bin"}));
  EXPECT_EQ(read_file(dir / "m/config.json"), read_file(test_data("gptj-tiny/config.json")));
}

}  // namespace
}  // namespace ckpt
