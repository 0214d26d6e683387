// `ckptconv verify`: proves an output checkpoint holds exactly the HF checkpoint's numbers.
// Deliberately independent of convert's code path: expected names come from the mapping table
// (not from a plan), elements are located with their own index arithmetic, half-precision
// values are widened by a different routine, and every TF crc32c is recomputed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/progress.h"

namespace ckpt {

struct VerifyOptions {
  std::string input_dir;
  std::string output_dir;
  bool share_embeddings = false;
  bool strict = false;  // training state (global_step, optimizer slots) is a problem too
  int threads = 1;
};

struct VerifyResult {
  size_t tensors = 0;       // TF variables compared
  uint64_t parameters = 0;  // elements compared
  // One line per problem: missing/extra variable, wrong dtype or shape, crc mismatch, first
  // differing element with both values.
  std::vector<std::string> problems;
  // Training state beside the weights (global_step, optimizer slots): not compared.
  std::vector<std::string> skipped;
  bool ok() const { return problems.empty(); }
};

// Throws Error only when an input cannot be read at all; differences are reported in the result.
VerifyResult verify_cs_against_hf(const VerifyOptions& options, Progress& progress);

}  // namespace ckpt
