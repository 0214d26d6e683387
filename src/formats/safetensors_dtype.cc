#include "formats/safetensors_dtype.h"

#include <array>
#include <utility>

namespace ckpt {
namespace {

constexpr std::array<std::pair<std::string_view, DType>, 10> kNames{{
    {"F64", DType::kF64},
    {"F32", DType::kF32},
    {"F16", DType::kF16},
    {"BF16", DType::kBF16},
    {"I64", DType::kI64},
    {"I32", DType::kI32},
    {"I16", DType::kI16},
    {"I8", DType::kI8},
    {"U8", DType::kU8},
    {"BOOL", DType::kBool},
}};

}  // namespace

std::optional<DType> safetensors_dtype_from_name(std::string_view name) {
  for (const auto& [n, t] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::optional<std::string_view> safetensors_dtype_name(DType t) {
  for (const auto& [n, d] : kNames) {
    if (d == t) return n;
  }
  return std::nullopt;
}

}  // namespace ckpt
