// Hostile sizes and structures from the issue-12 campaign, end to end: each reproducer either
// converts exactly or ends with one line naming the file and exit 3.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "formats/checkpoint_discovery.h"
#include "formats/safetensors_writer.h"
#include "formats/tf_bundle_index.h"
#include "formats/torch_zip_writer.h"
#include "io/output_file.h"

namespace ckpt {
namespace {

// bfloat16 bit pattern of element k of tensor number t: finite, positive, varied.
uint16_t bf16_at(int t, int64_t k) {
  return static_cast<uint16_t>(0x3f80 + (k * 31 + t * 7) % 0x3000);
}

// A one-layer GPT-J in bfloat16 (widening to float32 is a shift, so expected bytes are easy)
// with `vocab` tokens of `embd` dimensions: config.json and model.safetensors in `dir`.
void write_wide_gptj(const std::string& dir, int64_t vocab, int64_t embd) {
  std::filesystem::create_directories(dir);
  const int64_t inner = 4 * embd;
  nlohmann::json config = nlohmann::json::parse(read_file(test_data("gptj-tiny/config.json")));
  config["vocab_size"] = vocab;
  config["n_embd"] = embd;
  config["n_head"] = 1;
  config["rotary_dim"] = embd;
  config["n_layer"] = 1;
  config["n_positions"] = 8;
  config["torch_dtype"] = "bfloat16";
  write_file(dir + "/config.json", config.dump(2));
  const std::vector<TensorSpec> specs{
      {"transformer.wte.weight", DType::kBF16, {vocab, embd}},
      {"transformer.h.0.ln_1.weight", DType::kBF16, {embd}},
      {"transformer.h.0.ln_1.bias", DType::kBF16, {embd}},
      {"transformer.h.0.attn.k_proj.weight", DType::kBF16, {embd, embd}},
      {"transformer.h.0.attn.v_proj.weight", DType::kBF16, {embd, embd}},
      {"transformer.h.0.attn.q_proj.weight", DType::kBF16, {embd, embd}},
      {"transformer.h.0.attn.out_proj.weight", DType::kBF16, {embd, embd}},
      {"transformer.h.0.mlp.fc_in.weight", DType::kBF16, {inner, embd}},
      {"transformer.h.0.mlp.fc_in.bias", DType::kBF16, {inner}},
      {"transformer.h.0.mlp.fc_out.weight", DType::kBF16, {embd, inner}},
      {"transformer.h.0.mlp.fc_out.bias", DType::kBF16, {embd}},
      {"transformer.ln_f.weight", DType::kBF16, {embd}},
      {"transformer.ln_f.bias", DType::kBF16, {embd}},
      {"lm_head.weight", DType::kBF16, {vocab, embd}},
      {"lm_head.bias", DType::kBF16, {vocab}},
  };
  auto writer = make_safetensors_writer(dir, specs);
  for (size_t t = 0; t < specs.size(); ++t) {
    writer->begin_tensor(specs[t]);
    std::vector<uint16_t> v(static_cast<size_t>(shape_numel(specs[t].shape)));
    for (size_t k = 0; k < v.size(); ++k)
      v[k] = bf16_at(static_cast<int>(t), static_cast<int64_t>(k));
    writer->append({reinterpret_cast<const uint8_t*>(v.data()), v.size() * 2});
    writer->end_tensor();
  }
  writer->finish();
  writer->commit();
}

// sha256 of the float32 a [rows, cols] bfloat16 tensor number t widens to, transposed or not.
std::string expected_hash(int t, int64_t rows, int64_t cols, bool transpose) {
  std::vector<uint32_t> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const uint32_t bits = static_cast<uint32_t>(bf16_at(t, r * cols + c)) << 16;
      out[static_cast<size_t>(transpose ? c * rows + r : r * cols + c)] = bits;
    }
  }
  Sha256 h;
  h.update(out.data(), out.size() * 4);
  return h.hex_digest();
}

// Issue 12 item 1: lm_head [9e6, 2] transposes to rows of 36 MB, more than the 32 MiB buffer.
TEST(HostileInput, NineMillionTokenVocabularyConvertsExactlyAndVerifies) {
  TempDir dir;
  constexpr int64_t kVocab = 9'000'000;
  write_wide_gptj(dir / "hf", kVocab, 2);
  const CommandResult c = ckptconv({"convert", "--input_dir", dir / "hf", "--output_dir",
                                    dir / "cs", "--threads", "2", "--no-progress"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const auto got = bundle_hashes(dir / "cs");
  EXPECT_EQ(got.at("input_embedding/embedding_weights"), expected_hash(0, kVocab, 2, false));
  EXPECT_EQ(got.at("lm_head/lm_head/kernel"), expected_hash(13, kVocab, 2, true));
  EXPECT_EQ(got.at("lm_head/lm_head/bias"), expected_hash(14, 1, kVocab, false));
  const CommandResult v =
      ckptconv({"verify", "--input_dir", dir / "hf", "--output_dir", dir / "cs", "--no-progress"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// Rows of 300,000 floats (1.2 MB) against 1 MiB buffers: split rows, the very same bytes.
TEST(HostileInput, OneMegabyteBuffersGiveTheSameBundle) {
  TempDir dir;
  write_wide_gptj(dir / "hf", 300'000, 2);
  for (const char* mb : {"32", "1"}) {
    const CommandResult c =
        ckptconv({"convert", "--input_dir", dir / "hf", "--output_dir", dir / mb, "--buffer_mb", mb,
                  "--threads", "2", "--no-progress"});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  for (const char* f : {"tf_model.ckpt.index", "tf_model.ckpt.data-00000-of-00001"})
    EXPECT_TRUE(read_file(dir / "32/" + f) == read_file(dir / "1/" + f)) << f;
  EXPECT_EQ(bundle_hashes(dir / "1").at("lm_head/lm_head/kernel"),
            expected_hash(13, 300'000, 2, true));
}

// Issue 12 item 4: no elements, but a first stride of 2^80.
TEST(HostileInput, SafetensorsWhoseStridesOverflowIsRefused) {
  TempDir dir;
  const std::string header =
      R"({"w":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}})";
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  write_file(dir / "model.safetensors", file + header);
  const CommandResult r = ckptconv({"inspect", dir / "model.safetensors"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "ckptconv: error: " + dir / "model.safetensors" +
                       ": tensor 'w' has shape [0, 1099511627776, 1099511627776] whose strides "
                       "overflow 64 bits\n");
}

// Issue 12 item 5: [2^31, 2^31] float32 is 2^64 bytes, which wrapped to 0.
TEST(HostileInput, TfIndexEntryWhoseByteSizeWrapsIsRefused) {
  TempDir dir;
  for (int64_t size : {int64_t{0}, int64_t{16384}}) {
    TfBundleEntry e;
    e.name = "w";
    e.tf_dtype = 1;  // DT_FLOAT
    e.shape = {int64_t{1} << 31, int64_t{1} << 31};
    e.size = static_cast<uint64_t>(size);
    {
      OutputFile out(dir / "m.index");
      write_tf_bundle_index(out, {e});
      out.commit();
    }
    const CommandResult r = ckptconv({"inspect", dir / "m.index"});
    EXPECT_EQ(r.exit_code, 3) << size;
    EXPECT_EQ(r.out, "") << size;
    EXPECT_EQ(r.err, "ckptconv: error: " + dir / "m.index" +
                         ": tensor 'w': shape [2147483648, 2147483648] of float32 has a byte "
                         "size that overflows 64 bits\n")
        << size;
  }
}

// Issue 12 item 6: JSON cannot hold a name that is not UTF-8.
TEST(HostileInput, InspectJsonRefusesANameThatIsNotUtf8) {
  TempDir dir;
  const std::string bin = dir / "pytorch_model.bin";
  {
    const std::vector<TensorSpec> specs{{"ok", DType::kF32, {1}}, {"w\xff\xfe", DType::kF32, {1}}};
    auto w = make_torch_zip_writer(bin, specs);
    const float one = 1;
    for (const TensorSpec& s : specs) {
      w->begin_tensor(s);
      w->append({reinterpret_cast<const uint8_t*>(&one), 4});
      w->end_tensor();
    }
    w->finish();
    w->commit();
  }
  const CommandResult r = ckptconv({"inspect", bin, "--json"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "ckptconv: error: " + bin +
                       ": tensor name 'w\\xff\\xfe' is not valid UTF-8 and cannot be listed as "
                       "JSON (inspect without --json shows it)\n");
  EXPECT_EQ(ckptconv({"inspect", bin}).exit_code, 0);
}

// Issue 12 item 7: a shard the index names but that is not there is bad input, not I/O.
TEST(HostileInput, MissingShardIsBadInput) {
  TempDir dir;
  write_wide_gptj(dir / "hf", 16, 2);
  std::filesystem::rename(dir / "hf/model.safetensors",
                          dir / "hf/model-00001-of-00002.safetensors");
  nlohmann::json index;
  index["metadata"]["total_size"] = 0;
  const auto ck = open_checkpoint(dir / "hf/model-00001-of-00002.safetensors");
  for (const TensorView& t : ck.tensors)
    index["weight_map"][t.name] = t.name == "lm_head.bias" ? "model-00002-of-00002.safetensors"
                                                           : "model-00001-of-00002.safetensors";
  write_file(dir / "hf/model.safetensors.index.json", index.dump());
  for (const char* cmd : {"inspect", "convert"}) {
    std::vector<std::string> args{cmd};
    if (std::string(cmd) == "inspect") {
      args.push_back(dir / "hf");
    } else {
      args.insert(args.end(), {"--input_dir", dir / "hf", "--output_dir", dir / "cs"});
    }
    const CommandResult r = ckptconv(args);
    EXPECT_EQ(r.exit_code, 3) << cmd;
    EXPECT_EQ(r.err, "ckptconv: error: " + dir / "hf/model.safetensors.index.json" +
                         ": shard 'model-00002-of-00002.safetensors' named by the weight_map "
                         "does not exist\n")
        << cmd;
  }
}

}  // namespace
}  // namespace ckpt
