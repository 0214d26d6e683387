#include "convert/widen.h"

#include <memory>

namespace ckpt {

uint32_t f16_bits_to_f32_bits(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  if (exp == 0x1F) return sign | 0x7F800000u | (mant << 13);       // inf / NaN, payload kept
  if (exp != 0) return sign | ((exp + 112) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  if (mant == 0) return sign;                                      // +-0
  // Subnormal: shift the mantissa up until its leading 1 is the implicit bit.
  uint32_t e = 113;
  while ((mant & 0x400u) == 0) {
    mant <<= 1;
    --e;
  }
  return sign | (e << 23) | ((mant & 0x3FFu) << 13);
}

const uint32_t* f16_to_f32_table() {
  static const std::unique_ptr<uint32_t[]> table = [] {
    auto t = std::make_unique<uint32_t[]>(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = f16_bits_to_f32_bits(static_cast<uint16_t>(h));
    return t;
  }();
  return table.get();
}

}  // namespace ckpt
