// to-hf's generated causal masks: written through the same bounded buffers as the weights, so
// a mask row longer than a buffer is split across buffers (issue 12) and must come out exact.
#include <gtest/gtest.h>

#include "convert/to_hf.h"
#include "formats/checkpoint_discovery.h"
#include "test_util.h"

namespace ckpt {
namespace {

TEST(ToHfMask, RowsLongerThanTheBufferAreWrittenExactly) {
  TempDir dir;
  const CommandResult c =
      ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "cs"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  // 300 positions: mask rows of 300 bytes against buffers of 256.
  std::string yaml = read_file(dir / "cs/params.yaml");
  const std::string from = "max_position_embeddings: 32\n";
  const size_t at = yaml.find(from);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, from.size(), "max_position_embeddings: 300\n");
  write_file(dir / "cs/params.yaml", yaml);

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

}  // namespace
}  // namespace ckpt
