// Element types that appear in the checkpoints we read and write, independent of any
// format's own spelling (each format file maps its names to these).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ckpt {

enum class DType : uint8_t {
  kF32,
  kF64,
  kF16,
  kBF16,
  kI64,
  kI32,
  kI16,
  kI8,
  kU8,
  kBool,
  kString,  // TF DT_STRING: variable-length, size() is meaningless (0)
};

// Bytes per element (0 for kString).
size_t dtype_size(DType t);
// Lower-case name used in our own output: "float32", "bfloat16", "bool", ...
std::string_view dtype_name(DType t);
// Floating types that convert widens to float32 exactly.
bool dtype_is_float(DType t);

}  // namespace ckpt
