// Streams one input tensor view into the open output tensor as float32 (widened, transposed
// as the op says), a bounded buffer at a time, splitting each buffer's rows across the
// workers, and hands consumed input pages back to the kernel as it goes.
#pragma once

#include "convert/workers.h"
#include "convert/write_behind.h"
#include "formats/tensor_view.h"
#include "models/name_mapping.h"

namespace ckpt {

// Writes begin_tensor(spec), the bytes, end_tensor() through `out`.
void stream_tensor(const TensorView& source, TensorOp op, const TensorSpec& spec, WriteBehind& out,
                   Workers& workers);

}  // namespace ckpt
