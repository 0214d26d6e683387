// Mapping between our DType and TensorFlow's DataType enum (types.proto values).
#pragma once

#include <optional>
#include <string>

#include "formats/dtype.h"

namespace ckpt {

// The TF DataType value for `t` (every DType has one).
int tf_dtype_of(DType t);
// The DType for a TF DataType value, or nullopt for types we do not handle (complex,
// quantized, resource, ...).
std::optional<DType> dtype_from_tf(int tf_dtype);
// "DT_FLOAT", or "DataType 42" for values we have no name for; used in messages.
std::string tf_dtype_name(int tf_dtype);

}  // namespace ckpt
