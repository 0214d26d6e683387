// TF's on-disk encoding of a DT_STRING tensor in a bundle data file:
//   varint64 length of each element, then the masked crc32c of those lengths (each as a
//   little-endian uint32) stored as 4 little-endian bytes, then the element bytes back to back.
// The entry's crc32c is NOT the crc of these bytes: it covers the uint32 lengths, the 4
// checksum bytes and the element bytes (the varints are skipped), as TF computes it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt {

struct TfStringTensor {
  std::vector<std::string_view> elements;  // point into the decoded bytes
  uint32_t crc32c = 0;                     // unmasked, by TF's rule above
  uint64_t encoded_size = 0;               // bytes consumed
};

// Decodes `numel` elements from the start of `bytes`. Throws Error(kBadInput)
// "<file>: string tensor '<name>': <what is wrong>" on truncation, a bad varint, or a
// length checksum that does not match.
TfStringTensor decode_tf_string_tensor(std::span<const uint8_t> bytes, int64_t numel,
                                       const std::string& file, const std::string& name);

// The encoding of `elements` (for writing DT_STRING tensors).
std::string encode_tf_string_tensor(const std::vector<std::string>& elements);

}  // namespace ckpt
