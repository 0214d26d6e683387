// verify's element-by-element comparison of one TF variable against its HF source.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "convert/workers.h"
#include "formats/tf_bundle_reader.h"
#include "models/name_mapping.h"

namespace ckpt {

struct CompareOutcome {
  uint32_t crc32c = 0;  // of the TF bytes, unmasked
  uint64_t mismatches = 0;
  std::string first_mismatch;  // "[r, c]: TF <value> (0x...) != HF <value> (0x...)"
};

// Walks the TF tensor in storage order (computing its crc32c on the way) and compares every
// value, as float32 bits, with the HF element it must equal: the same index for a copy, the
// swapped index for a transpose, where the HF tensor's first-dimension row j is row_map[j]
// (empty: j itself). Either side may be float32, float16 or bfloat16 (widened exactly).
// REQUIRES: tf is contiguous and of one of those dtypes; every row_map entry < hf.shape[0]; a
// 2-D hf for kTranspose.
CompareOutcome compare_tensor(const TensorView& tf, const TensorView& hf, TensorOp op,
                              std::span<const int64_t> row_map, Workers& workers);

// Exact float16 -> float32 by arithmetic (verify's own; convert uses a bit-level table).
float widen_half(uint16_t h);

}  // namespace ckpt
