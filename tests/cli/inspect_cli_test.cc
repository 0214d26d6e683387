// inspect: stable listings of every supported format, and values that check out.
#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace ckpt {
namespace {

TEST(Inspect, ListsTheTinyGptjExactly) {
  const CommandResult r = ckptconv({"inspect", test_data("gptj-tiny")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string head =
      test_data("gptj-tiny") +
      ": pytorch-zip, 1 file\n"
      "name                                  dtype    shape           bytes  offset  file\n"
      "transformer.wte.weight                float32  [128, 64]       32768    4352  "
      "pytorch_model.bin\n"
      "transformer.h.0.ln_1.weight           float32  [64]              256   37248  "
      "pytorch_model.bin\n"
      "transformer.h.0.ln_1.bias             float32  [64]              256  156416  "
      "pytorch_model.bin\n"
      "transformer.h.0.attn.bias             bool     [1, 1, 32, 32]   1024  340480  "
      "pytorch_model.bin\n"
      "transformer.h.0.attn.masked_bias      float32  []                  4  341632  "
      "pytorch_model.bin\n";
  EXPECT_EQ(r.out.substr(0, head.size()), head);
  EXPECT_TRUE(r.out.ends_with("\n29 tensors, 117890 parameters, 465416 bytes\n")) << r.out;
}

// The bytes inspect points at are the values: for every tensor convert copies unchanged, the
// sha256 of [offset, offset + bytes) equals the one real PyTorch computed for its TF twin.
TEST(Inspect, OffsetsPointAtTheValues) {
  const CommandResult r = ckptconv({"inspect", test_data("gptj-tiny"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "pytorch-zip");
  EXPECT_EQ(j["tensor_count"], 29);
  EXPECT_EQ(j["parameters"], 117890);
  const auto expected = expected_hashes(test_data("gptj-tiny/expected-cs.json"));
  const std::map<std::string, std::string> copied{
      {"transformer.wte.weight", "input_embedding/embedding_weights"},
      {"transformer.h.1.ln_1.bias", "gptj_decoder/1/ln_1/ln_1/beta"},
      {"transformer.h.0.mlp.fc_in.bias", "gptj_decoder/0/mlp/dense_layer/dense_layer/bias"},
      {"transformer.ln_f.weight", "post_decoder_layer_norm/post_decoder_layer_norm/gamma"},
      {"lm_head.bias", "lm_head/lm_head/bias"}};
  const std::string file = read_file(test_data("gptj-tiny/pytorch_model.bin"));
  int checked = 0;
  for (const auto& t : j["tensors"]) {
    auto it = copied.find(t["name"].get<std::string>());
    if (it == copied.end()) continue;
    const std::string bytes = file.substr(t["offset"].get<size_t>(), t["bytes"].get<size_t>());
    EXPECT_EQ(sha256_hex(bytes), expected.at(it->second)) << it->first;
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST(Inspect, ListsATfBundleFromItsIndexAlone) {
  // swift-minigo ships only its (snappy-compressed) index, as TF wrote it.
  const CommandResult r =
      ckptconv({"inspect", test_data("tf-real/swift-minigo/minigo.index"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "tf-bundle");
  EXPECT_EQ(j["tensor_count"], 333);  // the count the swift-models tests assert
}

TEST(Inspect, ListsEveryInputFormatWithTheSameTensors) {
  for (const char* v : {"legacy-fp32", "safetensors", "sharded-bin", "sharded-safetensors"}) {
    const CommandResult r =
        ckptconv({"inspect", test_data(std::string("gptj-variants/") + v), "--json"});
    ASSERT_EQ(r.exit_code, 0) << v << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["parameters"], 117890) << v;
  }
}

TEST(Inspect, RefusesAHostilePickle) {
  const CommandResult r =
      ckptconv({"inspect", test_data("gptj-variants/malformed-pickle-builtins-eval")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "ckptconv: error: " +
                       test_data("gptj-variants/malformed-pickle-builtins-eval/pytorch_model.bin") +
                       ": data.pkl: refusing global 'builtins.eval' (not on the allow-list)\n");
}

TEST(Inspect, NeedsExactlyOnePath) {
  const CommandResult r = ckptconv({"inspect"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "ckptconv: error: inspect takes exactly one PATH (see ckptconv inspect --help)\n");
}

}  // namespace
}  // namespace ckpt
