// `ckptconv convert`: HF model directory -> Cerebras TF checkpoint directory (DESIGN.md §2-§4).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "convert/plan.h"
#include "io/progress.h"

namespace ckpt {

struct ConvertOptions {
  std::string input_dir;
  std::string output_dir;
  bool share_embeddings = false;
  bool debug = false;
  bool force = false;
  int threads = 1;
  size_t buffer_bytes = 64u << 20;  // per buffer; two are in flight
};

struct ConvertResult {
  std::string format;  // input format, e.g. "pytorch-zip"
  size_t tensors_written = 0;
  uint64_t parameters = 0;
  uint64_t output_bytes = 0;
  std::vector<std::string> notes;  // what the model family assumed (say them on stderr)
};

// Writes tf_model.ckpt.{index,data-00000-of-00001}, checkpoint, keys.json, shapes.json and
// params.yaml into options.output_dir, all renamed into place only after everything is
// written. `log` receives the --debug output.
ConvertResult convert_hf_to_cs(const ConvertOptions& options, Progress& progress,
                               std::ostream& log);

// The name of the bundle inside the output directory.
inline constexpr const char* kTfPrefixName = "tf_model.ckpt";

}  // namespace ckpt
