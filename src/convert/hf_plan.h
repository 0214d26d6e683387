// What to-hf will write: every HF tensor of the model, in state_dict order, with the TF
// variables its rows come from. It is derived from the same expanded table convert uses, by
// inverting each variable's row map, so the inverse is never written by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/tensor_writer.h"
#include "formats/tf_bundle_reader.h"
#include "models/name_mapping.h"

namespace ckpt {

struct HfSource {
  const TfBundleEntry* entry = nullptr;
  TensorOp op = TensorOp::kCopy;  // applied to the TF variable gives the HF rows
};

// Where HF row i comes from: logical row `row` of sources[source].
struct HfRowOrigin {
  uint32_t source = 0;
  int64_t row = 0;
};

struct HfTensorPlan {
  TensorSpec spec;
  std::vector<HfSource> sources;        // empty: a generated buffer
  std::vector<HfRowOrigin> row_origin;  // empty: one source, rows in order
  BufferKind buffer = BufferKind::kNone;
};

// Throws Error(kBadInput) naming the bundle's index for a missing variable, one of the wrong
// dtype or shape (`source` names the file the dimensions came from), rows of an HF tensor no
// variable gives, and (naming `source`) a tensor whose byte size overflows 64 bits or generated
// buffers (causal masks) larger than both the weights and 1 GiB.
std::vector<HfTensorPlan> make_hf_plan(const std::vector<MappedTensor>& rows,
                                       const TfBundleReader& tf, const std::string& source);

}  // namespace ckpt
