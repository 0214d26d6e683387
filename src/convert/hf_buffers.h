// The buffers a family's table asks to-hf to recreate (BufferKind), written as HF has them.
#pragma once

#include <cstdint>

#include "convert/write_behind.h"
#include "models/name_mapping.h"

namespace ckpt {

// kCausalMask: tril(ones(P, P)) as bool, viewed [1, 1, P, P] (P = spec.shape[3]);
// kMaskedBias: the float32 scalar -1e9. REQUIRES: kind != kNone; spec as the table gives it.
void write_hf_buffer(BufferKind kind, const TensorSpec& spec, WriteBehind& out);

}  // namespace ckpt
