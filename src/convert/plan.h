// What convert will write: each TF variable with the HF tensor it comes from, checked against
// the model's mapping table and config before a single output byte is written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "models/model_family.h"
#include "models/name_mapping.h"

namespace ckpt {

struct PlannedTensor {
  MappedTensor row;
  size_t order = 0;                    // position in the expanded table (HF order)
  const TensorView* source = nullptr;  // points into the Checkpoint the plan was made from
};

struct Plan {
  std::vector<PlannedTensor> writes;   // TF variables, sorted by TF name (the bundle's order)
  std::vector<PlannedTensor> skipped;  // read but not written (buffers, shared lm_head)
  uint64_t parameters = 0;             // elements written
  uint64_t output_bytes = 0;           // float32 bytes written
  uint64_t input_bytes = 0;            // bytes read from the HF files
};

// The bounds expand_table needs for this checkpoint (tensor count, bytes of its files).
TableBounds checkpoint_bounds(const Checkpoint& checkpoint);

// Throws Error(kBadInput) naming the file and tensor for: a tensor the model does not have, a
// required tensor that is missing, a shape that differs from the config's, a dtype that cannot
// be widened to float32 exactly.
Plan make_plan(const Checkpoint& checkpoint, const std::vector<MappedTensor>& rows,
               const ModelSpec& model);

}  // namespace ckpt
