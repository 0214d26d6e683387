#include "formats/tf_string_tensor.h"

#include <cstring>

#include "formats/quote.h"
#include "io/crc32c.h"
#include "io/error.h"

namespace ckpt {
namespace {

uint32_t extend_u32(uint32_t crc, uint32_t v) {
  uint8_t le[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                   static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  return crc32c_extend(crc, le, 4);
}

}  // namespace

TfStringTensor decode_tf_string_tensor(std::span<const uint8_t> bytes, int64_t numel,
                                       const std::string& file, const std::string& name) {
  auto fail = [&](const std::string& what) {
    throw_bad_input(file, "string tensor " + ckpt::quoted(name) + ": " + what);
  };
  if (numel < 0) fail("invalid element count");
  TfStringTensor t;
  std::vector<uint64_t> lengths;
  size_t pos = 0;
  uint32_t length_crc = 0;
  for (int64_t i = 0; i < numel; ++i) {
    uint64_t len = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= bytes.size()) fail("length of element " + std::to_string(i) + " is truncated");
      if (shift > 63) fail("length of element " + std::to_string(i) + " is not a valid varint");
      const uint8_t b = bytes[pos++];
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    lengths.push_back(len);
    length_crc = extend_u32(length_crc, static_cast<uint32_t>(len));
    t.crc32c = extend_u32(t.crc32c, static_cast<uint32_t>(len));
  }
  // The checksum is written even for zero elements (TF's layout has no special case).
  if (bytes.size() - pos < 4) fail("length checksum is truncated");
  const uint32_t stored = static_cast<uint32_t>(bytes[pos]) | (bytes[pos + 1] << 8) |
                          (bytes[pos + 2] << 16) | (static_cast<uint32_t>(bytes[pos + 3]) << 24);
  if (stored != crc32c_mask(length_crc)) fail("length checksum mismatch");
  t.crc32c = crc32c_extend(t.crc32c, bytes.data() + pos, 4);
  pos += 4;
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] > bytes.size() - pos) {
      fail("element " + std::to_string(i) + " (" + std::to_string(lengths[i]) +
           " bytes) runs past the end of the tensor");
    }
    t.elements.emplace_back(reinterpret_cast<const char*>(bytes.data() + pos), lengths[i]);
    t.crc32c = crc32c_extend(t.crc32c, bytes.data() + pos, lengths[i]);
    pos += lengths[i];
  }
  t.encoded_size = pos;
  return t;
}

std::string encode_tf_string_tensor(const std::vector<std::string>& elements) {
  std::string out;
  uint32_t length_crc = 0;
  for (const std::string& e : elements) {
    uint64_t len = e.size();
    while (len >= 0x80) {
      out.push_back(static_cast<char>((len & 0x7f) | 0x80));
      len >>= 7;
    }
    out.push_back(static_cast<char>(len));
    length_crc = extend_u32(length_crc, static_cast<uint32_t>(e.size()));
  }
  const uint32_t m = crc32c_mask(length_crc);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(m >> (8 * i)));
  for (const std::string& e : elements) out += e;
  return out;
}

}  // namespace ckpt
