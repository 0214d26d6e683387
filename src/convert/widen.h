// Exact conversion of half-precision inputs to float32. Every float16 and bfloat16 value
// (subnormals, infinities, NaN payloads included) has an exact float32 twin, so widening
// never rounds.
#pragma once

#include <cstdint>
#include <cstring>

namespace ckpt {

// IEEE binary16 bits -> binary32 bits.
uint32_t f16_bits_to_f32_bits(uint16_t h);
// bfloat16 is the top half of a binary32.
inline uint32_t bf16_bits_to_f32_bits(uint16_t b) { return static_cast<uint32_t>(b) << 16; }

// Table of all 65536 binary16 values as binary32 bits, built once (256 KiB).
const uint32_t* f16_to_f32_table();

// Element i of a run starting at `p`, as float32 bits: the loaders the copy, transpose and
// gather loops are instantiated with, one per input dtype.
struct LoadF32 {
  uint32_t operator()(const uint8_t* p, int64_t i) const {
    uint32_t v;
    std::memcpy(&v, p + i * 4, 4);
    return v;
  }
};
struct LoadF16 {
  const uint32_t* table = f16_to_f32_table();
  uint32_t operator()(const uint8_t* p, int64_t i) const {
    uint16_t v;
    std::memcpy(&v, p + i * 2, 2);
    return table[v];
  }
};
struct LoadBF16 {
  uint32_t operator()(const uint8_t* p, int64_t i) const {
    uint16_t v;
    std::memcpy(&v, p + i * 2, 2);
    return bf16_bits_to_f32_bits(v);
  }
};

}  // namespace ckpt
