// to-hf's generated causal masks: written through the same bounded buffers as the weights, so
// a mask row longer than a buffer is split across buffers (issue 12) and must come out exact.
#include <gtest/gtest.h>

#include <filesystem>

#include "convert/to_hf.h"
#include "formats/checkpoint_discovery.h"
#include "test_util.h"

namespace ckpt {
namespace {

// Converts gptj-tiny into dir/cs and gives its params.yaml `positions` instead of 32.
void converted_with_positions(const TempDir& dir, const std::string& positions) {
  const CommandResult c =
      ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "cs"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::string yaml = read_file(dir / "cs/params.yaml");
  const std::string from = "max_position_embeddings: 32\n";
  const size_t at = yaml.find(from);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, from.size(), "max_position_embeddings: " + positions + "\n");
  write_file(dir / "cs/params.yaml", yaml);
}

TEST(ToHfMask, RowsLongerThanTheBufferAreWrittenExactly) {
  TempDir dir;
  // 300 positions: mask rows of 300 bytes against buffers of 256.
  converted_with_positions(dir, "300");

  ToHfOptions opt;
  opt.input_dir = dir / "cs";
  opt.output_dir = dir / "hf";
  opt.buffer_bytes = 256;
  opt.threads = 2;
  NullProgress progress;
  convert_cs_to_hf(opt, progress);

  const Checkpoint hf = open_checkpoint(dir / "hf");
  for (const char* name : {"transformer.h.0.attn.bias", "transformer.h.1.attn.bias"}) {
    const TensorView* mask = hf.find(name);
    ASSERT_NE(mask, nullptr) << name;
    EXPECT_EQ(mask->dtype, DType::kBool);
    ASSERT_EQ(mask->shape, (Shape{1, 1, 300, 300}));
    const uint8_t* m = mask->data();
    size_t wrong = 0;
    for (int64_t r = 0; r < 300; ++r) {
      for (int64_t c = 0; c < 300; ++c) wrong += m[r * 300 + c] != (c <= r ? 1 : 0);
    }
    EXPECT_EQ(wrong, 0u) << name;
  }
}

// Issue 12: a few bytes of params.yaml must not make to-hf write terabytes of masks. 10^6
// positions fit 64 bits (2 * 10^12 bytes of masks) but dwarf the tiny model's weights; 2^32
// positions overflow. Both are refused before anything is written.
TEST(ToHfMask, MasksLargerThanTheWeightsAreRefused) {
  for (const char* positions : {"1000000", "4294967296"}) {
    TempDir dir;
    converted_with_positions(dir, positions);
    const CommandResult r =
        ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf", "--no-progress"});
    EXPECT_EQ(r.exit_code, 3) << positions;
    const std::string want =
        std::string(positions) == "1000000"
            ? "its dimensions ask for 2000000000008 bytes of generated buffers (causal masks), "
              "more than the 463360 bytes of the weights\n"
            : "tensor 'transformer.h.0.attn.bias' would have shape [1, 1, 4294967296, "
              "4294967296], more than " +
                  dir / "cs/tf_model.ckpt.index" + " holds (463360 bytes)\n";
    EXPECT_EQ(r.err, "ckptconv: error: " + dir / "cs/params.yaml" + ": " + want) << positions;
    EXPECT_FALSE(std::filesystem::exists(dir / "hf")) << positions;
  }
}

}  // namespace
}  // namespace ckpt
