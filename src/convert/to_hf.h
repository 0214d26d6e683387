// `ckptconv to-hf`: a Cerebras TF checkpoint (made by convert, possibly trained further) back
// to a HuggingFace model directory of its family. The mapping is the same table convert uses,
// read backwards (see hf_plan.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/progress.h"

namespace ckpt {

struct ToHfOptions {
  std::string input_dir;  // holds tf_model.ckpt.* (or any bundle) and ideally params.yaml
  std::string output_dir;
  std::string format = "safetensors";    // or "bin"
  std::optional<bool> share_embeddings;  // unset: told by the variable names
  bool strict = false;                   // extra variables are an error instead of skipped
  bool force = false;
  uint64_t max_shard_bytes = 5'000'000'000;  // safetensors only, as HF's default "5GB"
  int threads = 1;
  size_t buffer_bytes = 64u << 20;
};

struct ToHfResult {
  size_t tensors = 0;  // HF tensors written (buffers included)
  uint64_t parameters = 0;
  bool shared = false;
  std::vector<std::string> skipped;  // TF variables that are not model weights
  std::vector<std::string> notes;    // assumptions made (e.g. no params.yaml)
};

ToHfResult convert_cs_to_hf(const ToHfOptions& options, Progress& progress);

// "5GB" -> 5e9, "500MB", "2GiB" -> 2^31, "1234" bytes. Throws Error(kUsage).
uint64_t parse_size(const std::string& text);

}  // namespace ckpt
