// CRC-32C (Castagnoli), as TensorFlow and LevelDB use it: SSE4.2 instruction when the CPU has
// it, a table otherwise. Incremental: crc32c_extend(crc32c_extend(0, a), b) == crc32c(a + b).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ckpt {

uint32_t crc32c_extend(uint32_t crc, const uint8_t* data, size_t n);
inline uint32_t crc32c(const uint8_t* data, size_t n) { return crc32c_extend(0, data, n); }
// The crc32c of A followed by B from crc32c(A), crc32c(B) and B's length, so pieces checksummed
// in parallel give the checksum of the whole: crc32c_combine(crc32c(a), crc32c(b), |b|) ==
// crc32c(a + b). O(log len_b).
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

// TF/LevelDB store crcs "masked" so that a crc of data containing crcs stays well-behaved.
inline uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t crc32c_unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

// Both implementations, exposed so tests can compare them and benchmarks can time them.
// crc32c_extend() picks the hardware one when crc32c_hardware_available().
bool crc32c_hardware_available();
uint32_t crc32c_extend_hardware(uint32_t crc, const uint8_t* data, size_t n);  // needs SSE4.2
uint32_t crc32c_extend_table(uint32_t crc, const uint8_t* data, size_t n);

}  // namespace ckpt
