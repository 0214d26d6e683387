// verify really compares: every kind of damage to a good output is found and named.
#include <gtest/gtest.h>

#include <cstring>

#include "cli_test_util.h"

namespace ckpt {
namespace {

class VerifyDamage : public ::testing::Test {
 protected:
  void SetUp() override {
    const CommandResult r =
        ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir_ / "good"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult verify(const std::string& out) {
    return ckptconv(
        {"verify", "--input_dir", test_data("gptj-tiny"), "--output_dir", out, "--no-progress"});
  }
  TempDir dir_;
};

TEST_F(VerifyDamage, GoodOutputPasses) {
  const CommandResult r = verify(dir_ / "good");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "verified 25 tensors, 115840 parameters\n");
}

TEST_F(VerifyDamage, OneFlippedBitInTheDataFile) {
  // Flip the lowest bit of the first float of the (sorted-first) bias of dense_layer 0... the
  // data file holds tensors in name order; find the byte through the reader.
  auto reader = TfBundleReader::open(dir_ / "good/tf_model.ckpt");
  const TfBundleEntry* e = reader->find("gptj_decoder/0/attn/q_proj/q_proj/kernel");
  ASSERT_NE(e, nullptr);
  const std::string data_path = dir_ / "good/tf_model.ckpt.data-00000-of-00001";
  std::string data = read_file(data_path);
  data[e->offset + 4 * 5] ^= 0x01;  // element [0, 5]
  reader.reset();
  write_file(data_path, data);
  const CommandResult r = verify(dir_ / "good");
  EXPECT_EQ(r.exit_code, 1);
  const std::string name = "gptj_decoder/0/attn/q_proj/q_proj/kernel";
  EXPECT_NE(r.out.find("MISMATCH " + name + ": crc32c mismatch (stored 0x"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("MISMATCH " + name +
                       ": 1 of 4096 values differ from HF 'transformer.h.0.attn.q_proj.weight'; "
                       "first at [0, 5]: TF "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("verification FAILED: 2 problems (25 tensors compared)\n"),
            std::string::npos)
      << r.out;
}

TEST_F(VerifyDamage, MissingVariable) {
  rewrite_bundle(dir_ / "good", dir_ / "bad", [](const std::string& n, std::string&) {
    return n != "bias" && n != "lm_head/lm_head/bias";
  });
  const CommandResult r = verify(dir_ / "bad");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "MISMATCH lm_head/lm_head/bias: missing from the TF checkpoint (expected from HF "
            "'lm_head.bias')\n"
            "verification FAILED: 1 problem (24 tensors compared)\n");
}

TEST_F(VerifyDamage, ExtraVariable) {
  rewrite_bundle(dir_ / "good", dir_ / "bad", [](const std::string&, std::string&) { return true; },
                 {{"extra/kernel", std::string(4, '\0')}});
  const CommandResult r = verify(dir_ / "bad");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "MISMATCH extra/kernel: unexpected variable in the TF checkpoint\n"
            "verification FAILED: 1 problem (25 tensors compared)\n");
}

// A trained checkpoint keeps global_step and optimizer slots beside the weights: counted, not
// compared; --strict calls them unexpected.
TEST_F(VerifyDamage, TrainingStateIsSkippedWithACountOrUnexpectedWhenStrict) {
  rewrite_bundle(
      dir_ / "good", dir_ / "trained", [](const std::string&, std::string&) { return true; },
      {{"global_step", std::string(4, '\0')}, {"lm_head/lm_head/bias/Adam", std::string(8, '\0')}});
  const CommandResult r = verify(dir_ / "trained");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "skipped 2 training-state variables (global_step, optimizer slots): global_step, "
            "lm_head/lm_head/bias/Adam\n"
            "verified 25 tensors, 115840 parameters\n");
  const CommandResult strict = ckptconv({"verify", "--input_dir", test_data("gptj-tiny"),
                                         "--output_dir", dir_ / "trained", "--strict"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_EQ(strict.out,
            "MISMATCH global_step: unexpected variable in the TF checkpoint\n"
            "MISMATCH lm_head/lm_head/bias/Adam: unexpected variable in the TF checkpoint\n"
            "verification FAILED: 2 problems (25 tensors compared)\n");
}

TEST_F(VerifyDamage, KernelLeftUntransposed) {
  // Swap the kernel back to the HF [out, in] layout: same shape (square), different values.
  const std::string name = "gptj_decoder/1/attn/v_proj/v_proj/kernel";
  rewrite_bundle(dir_ / "good", dir_ / "bad", [&](const std::string& n, std::string& bytes) {
    if (n != name) return true;
    std::string t(bytes.size(), '\0');
    for (int i = 0; i < 64; ++i) {
      for (int j = 0; j < 64; ++j) std::memcpy(&t[(j * 64 + i) * 4], &bytes[(i * 64 + j) * 4], 4);
    }
    bytes = t;
    return true;
  });
  const CommandResult r = verify(dir_ / "bad");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("MISMATCH " + name +
                       ": 4032 of 4096 values differ from HF 'transformer.h.1.attn.v_proj.weight'; "
                       "first at [0, 1]"),
            std::string::npos)
      << r.out;
}

TEST_F(VerifyDamage, WrongSharingModeIsCaught) {
  const CommandResult r = ckptconv({"verify", "--input_dir", test_data("gptj-tiny"), "--output_dir",
                                    dir_ / "good", "--share_embeddings"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.out.find(
          "MISMATCH bias: missing from the TF checkpoint (expected from HF 'lm_head.bias')\n"),
      std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("MISMATCH lm_head/lm_head/kernel: unexpected variable in the TF checkpoint\n"),
      std::string::npos)
      << r.out;
}

TEST_F(VerifyDamage, NoCheckpointInOutputDir) {
  const CommandResult r = verify(dir_.path());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "ckptconv: error: " + dir_.path() +
                       ": no TensorFlow checkpoint found (no checkpoint file or *.index)\n");
}

}  // namespace
}  // namespace ckpt
