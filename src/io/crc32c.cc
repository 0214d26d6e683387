// CRC-32C two ways. The SSE4.2 `crc32` instruction does 8 bytes per instruction but has a
// 3-cycle latency and a 1-cycle throughput, so one dependency chain uses a third of the unit:
// large buffers are cut into three equal blocks whose crcs run interleaved and are then
// combined with precomputed "append kBlock zero bytes" tables. The table version
// (slicing-by-8) is the fallback for CPUs without SSE4.2 and the reference in tests.
//
// Internally everything works on the raw register (no pre/post inversion); crc32c_extend
// applies the standard inversion once at each end.
#include "io/crc32c.h"

#include <nmmintrin.h>

#include <array>
#include <cstring>

namespace ckpt {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // Castagnoli, bit-reflected
constexpr size_t kBlock = 4096;          // bytes per stream in the 3-way loop (multiple of 8)

using Table = std::array<std::array<uint32_t, 256>, 8>;

constexpr Table make_slicing_tables() {
  Table t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
  return t;
}

constexpr Table kSlicing = make_slicing_tables();

// shift[k][b] = the raw register (b << 8k) after kBlock zero bytes went through it. CRC is
// linear over GF(2), so shifting any register is the XOR of four lookups.
using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;

constexpr ShiftTable make_shift_tables() {
  std::array<uint32_t, 32> basis{};
  for (int bit = 0; bit < 32; ++bit) {
    uint32_t c = 1u << bit;
    for (size_t i = 0; i < kBlock; ++i) c = kSlicing[0][c & 0xff] ^ (c >> 8);
    basis[bit] = c;
  }
  ShiftTable t{};
  for (size_t k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t v = 0;
      for (int j = 0; j < 8; ++j) {
        if (b & (1u << j)) v ^= basis[8 * k + j];
      }
      t[k][b] = v;
    }
  }
  return t;
}

// Built at start-up: as a constexpr it exceeds clang's default constant-evaluation budget.
const ShiftTable kShift = make_shift_tables();

inline uint32_t shift_block(uint32_t c) {
  return kShift[0][c & 0xff] ^ kShift[1][(c >> 8) & 0xff] ^ kShift[2][(c >> 16) & 0xff] ^
         kShift[3][c >> 24];
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // unaligned-safe; compiles to one mov
  return v;
}

uint32_t raw_table(uint32_t c, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    const uint64_t v = load64(p) ^ c;
    c = kSlicing[7][v & 0xff] ^ kSlicing[6][(v >> 8) & 0xff] ^ kSlicing[5][(v >> 16) & 0xff] ^
        kSlicing[4][(v >> 24) & 0xff] ^ kSlicing[3][(v >> 32) & 0xff] ^
        kSlicing[2][(v >> 40) & 0xff] ^ kSlicing[1][(v >> 48) & 0xff] ^ kSlicing[0][v >> 56];
  }
  for (; n > 0; ++p, --n) c = kSlicing[0][(c ^ *p) & 0xff] ^ (c >> 8);
  return c;
}

__attribute__((target("sse4.2"))) uint32_t raw_hardware(uint32_t c, const uint8_t* p, size_t n) {
  for (; n >= 3 * kBlock; p += 3 * kBlock, n -= 3 * kBlock) {
    uint64_t a = c, b = 0, d = 0;
    for (size_t i = 0; i < kBlock; i += 8) {
      a = _mm_crc32_u64(a, load64(p + i));
      b = _mm_crc32_u64(b, load64(p + kBlock + i));
      d = _mm_crc32_u64(d, load64(p + 2 * kBlock + i));
    }
    c = shift_block(shift_block(static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^
        static_cast<uint32_t>(d);
  }
  uint64_t c64 = c;
  for (; n >= 8; p += 8, n -= 8) c64 = _mm_crc32_u64(c64, load64(p));
  c = static_cast<uint32_t>(c64);
  for (; n > 0; ++p, --n) c = _mm_crc32_u8(c, *p);
  return c;
}

}  // namespace

bool crc32c_hardware_available() {
  static const bool available = [] {
    __builtin_cpu_init();  // may run before other constructors
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return available;
}

uint32_t crc32c_extend_hardware(uint32_t crc, const uint8_t* data, size_t n) {
  return ~raw_hardware(~crc, data, n);
}

uint32_t crc32c_extend_table(uint32_t crc, const uint8_t* data, size_t n) {
  return ~raw_table(~crc, data, n);
}

namespace {

// GF(2) 32x32 matrices as 32 columns: the linear maps "append k zero bits" on a crc register.
using Gf2Matrix = std::array<uint32_t, 32>;

uint32_t gf2_times(const Gf2Matrix& m, uint32_t v) {
  uint32_t sum = 0;
  for (size_t i = 0; v != 0; v >>= 1, ++i) {
    if ((v & 1) != 0) sum ^= m[i];
  }
  return sum;
}

Gf2Matrix gf2_square(const Gf2Matrix& m) {
  Gf2Matrix sq{};
  for (size_t i = 0; i < 32; ++i) sq[i] = gf2_times(m, m[i]);
  return sq;
}

}  // namespace

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  if (len_b == 0) return crc_a;
  // The pre/post inversions cancel: shifting crc(A) by |B| zero bytes and adding crc(B) is
  // crc(A + B), as zlib's crc32_combine does for the other polynomial.
  Gf2Matrix odd{};  // one zero bit
  odd[0] = kPoly;
  for (size_t i = 1; i < 32; ++i) odd[i] = 1u << (i - 1);
  Gf2Matrix even = gf2_square(odd);  // two zero bits
  odd = gf2_square(even);            // four zero bits
  for (;;) {
    even = gf2_square(odd);  // 8, 32, 128 ... zero bits: one byte, 4 bytes, ...
    if ((len_b & 1) != 0) crc_a = gf2_times(even, crc_a);
    len_b >>= 1;
    if (len_b == 0) break;
    odd = gf2_square(even);
    if ((len_b & 1) != 0) crc_a = gf2_times(odd, crc_a);
    len_b >>= 1;
    if (len_b == 0) break;
  }
  return crc_a ^ crc_b;
}

uint32_t crc32c_extend(uint32_t crc, const uint8_t* data, size_t n) {
  return crc32c_hardware_available() ? crc32c_extend_hardware(crc, data, n)
                                     : crc32c_extend_table(crc, data, n);
}

}  // namespace ckpt
