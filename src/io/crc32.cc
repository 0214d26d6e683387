#include "io/crc32.h"

#include <isa-l/crc.h>

namespace ckpt {

uint32_t crc32_extend(uint32_t crc, const uint8_t* data, size_t n) {
  return n == 0 ? crc : crc32_gzip_refl(crc, data, n);  // ISA-L documents no empty input
}

}  // namespace ckpt
