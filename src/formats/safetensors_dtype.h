// The dtype spellings of the safetensors header ("F32", "BF16", ...) and our DType, both ways.
#pragma once

#include <optional>
#include <string_view>

#include "formats/dtype.h"

namespace ckpt {

// nullopt for a spelling we do not support (F8_E4M3, U16, C64, ...).
std::optional<DType> safetensors_dtype_from_name(std::string_view name);
// nullopt for kString, which safetensors cannot hold.
std::optional<std::string_view> safetensors_dtype_name(DType t);

// The list used in error messages: "F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL".
inline constexpr std::string_view kSafetensorsSupportedDtypes =
    "F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL";

}  // namespace ckpt
