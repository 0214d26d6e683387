// Checkpoints written by real TensorFlow the way a Cerebras run leaves them (global_step,
// Adam slots, float32 / bfloat16 / float16 variables, a sharded save): tests/data/tf-written,
// made by tests/data/tools/make_tf_written.py. Regression tests for what the interop suite
// (tests/interop) found: to-hf refused bfloat16/float16 variables, verify refused them and
// called the training state unexpected.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "formats/checkpoint_discovery.h"

namespace ckpt {
namespace {

struct Expected {
  nlohmann::json j;
  std::vector<std::string> extras;  // TF variables that are not model weights, sorted
  uint64_t parameters = 0;          // of the model variables
};

Expected expected_of(const std::string& dir) {
  Expected e;
  e.j = nlohmann::json::parse(read_file(dir + "/EXPECTED.json"));
  std::set<std::string> model;
  for (const auto& n : e.j["model_variables"]) model.insert(n.get<std::string>());
  for (const auto& [name, v] : e.j["tf_variables"].items()) {
    if (!model.count(name)) {
      e.extras.push_back(name);
      continue;
    }
    uint64_t n = 1;
    for (const auto& d : v["shape"]) n *= d.get<uint64_t>();
    e.parameters += n;
  }
  std::sort(e.extras.begin(), e.extras.end());
  return e;
}

std::string first_five(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < 5; ++i) s += (i ? ", " : " ") + names[i];
  return s + (names.size() > 5 ? ", ..." : "");
}

class TfWritten : public ::testing::TestWithParam<std::string> {
 protected:
  std::string dir() const { return test_data("tf-written/" + GetParam()); }
};

TEST_P(TfWritten, InspectListsEveryVariableAsTensorFlowDoes) {
  const CommandResult r = ckptconv({"inspect", dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto listing = nlohmann::json::parse(r.out);
  nlohmann::json got = nlohmann::json::object();
  for (const auto& t : listing["tensors"]) {
    got[t["name"].get<std::string>()] = {{"dtype", t["dtype"]}, {"shape", t["shape"]}};
  }
  EXPECT_EQ(got, expected_of(dir()).j["tf_variables"]);
}

TEST_P(TfWritten, ToHfWritesTheTensorFlowValuesWidenedAndSkipsTrainingState) {
  const Expected want = expected_of(dir());
  TempDir out;
  const CommandResult r = ckptconv({"to-hf", "--input_dir", dir(), "--output_dir", out / "hf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n') + 1),
            "skipped " + std::to_string(want.extras.size()) +
                " variables that are not model weights:" + first_five(want.extras) + "\n");
  const Checkpoint hf = open_checkpoint(out / "hf");
  size_t compared = 0;
  for (const TensorView& t : hf.tensors) {
    if (!want.j["hf"].contains(t.name)) continue;  // the attention buffers HF recreates
    const auto& w = want.j["hf"][t.name];
    EXPECT_EQ(t.dtype, DType::kF32) << t.name;
    EXPECT_EQ(nlohmann::json(t.shape), w["shape"]) << t.name;
    Sha256 h;
    h.update(t.data(), t.byte_size());
    EXPECT_EQ(h.hex_digest(), w["sha256"].get<std::string>()) << t.name;
    ++compared;
  }
  EXPECT_EQ(compared, want.j["hf"].size());
}

TEST_P(TfWritten, ToHfStrictRefusesTheTrainingState) {
  const Expected want = expected_of(dir());
  TempDir out;
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", dir(), "--output_dir", out / "hf", "--strict"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "ckptconv: error: " + dir() + "/model.ckpt-1.index: variable '" +
                       want.extras.front() + "' is not part of a GPT-J checkpoint (--strict)\n");
}

TEST_P(TfWritten, VerifyComparesEveryWeightAndCountsTheTrainingState) {
  const Expected want = expected_of(dir());
  TempDir out;
  ASSERT_EQ(ckptconv({"to-hf", "--input_dir", dir(), "--output_dir", out / "hf"}).exit_code, 0);
  const CommandResult r = ckptconv({"verify", "--input_dir", out / "hf", "--output_dir", dir()});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "skipped " + std::to_string(want.extras.size()) +
                       " training-state variables (global_step, optimizer slots):" +
                       first_five(want.extras) + "\nverified " +
                       std::to_string(want.j["model_variables"].size()) + " tensors, " +
                       std::to_string(want.parameters) + " parameters\n");

  const CommandResult strict =
      ckptconv({"verify", "--input_dir", out / "hf", "--output_dir", dir(), "--strict"});
  EXPECT_EQ(strict.exit_code, 1);
  for (const std::string& n : want.extras) {
    EXPECT_NE(strict.out.find("MISMATCH " + n + ": unexpected variable in the TF checkpoint\n"),
              std::string::npos)
        << n;
  }
}

TEST_P(TfWritten, VerifyFindsAChangedValueInAHalfPrecisionVariable) {
  TempDir out;
  ASSERT_EQ(ckptconv({"to-hf", "--input_dir", dir(), "--output_dir", out / "hf"}).exit_code, 0);
  // Change one element of the HF side: verify must name it with both values.
  const std::string st = out / "hf/model.safetensors";
  std::string bytes = read_file(st);
  const Checkpoint hf = open_checkpoint(st);
  const TensorView* ln = nullptr;
  for (const TensorView& t : hf.tensors) {
    if (t.name == "transformer.ln_f.bias") ln = &t;
  }
  ASSERT_NE(ln, nullptr);
  const size_t at = static_cast<size_t>(ln->offset) + 4 * 3;  // element 3
  float v;
  std::memcpy(&v, &bytes[at], 4);
  v += 1.0f;
  std::memcpy(&bytes[at], &v, 4);
  write_file(st, bytes);
  const CommandResult r = ckptconv({"verify", "--input_dir", out / "hf", "--output_dir", dir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("MISMATCH post_decoder_layer_norm/post_decoder_layer_norm/beta: 1 of 16 "
                       "values differ from HF 'transformer.ln_f.bias'; first at [3]: TF "),
            std::string::npos)
      << r.out;
}

INSTANTIATE_TEST_SUITE_P(RealTensorFlow, TfWritten,
                         ::testing::Values("f32-adam", "bf16-adam", "f16-adam-sharded"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace ckpt
