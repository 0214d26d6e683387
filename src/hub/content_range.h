// The numbers a download takes from response headers: Content-Range ("bytes S-E/T",
// "bytes */T") and decimal sizes (Content-Length, X-Linked-Size). Pure, unit-tested, fuzzed.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ckpt::hub {

// A decimal of 1 to 19 digits (so it cannot overflow 64 bits), nothing else; nullopt otherwise.
std::optional<uint64_t> parse_decimal_u64(std::string_view s);

struct ContentRange {
  std::optional<uint64_t> first;  // absent for "bytes */T"
  std::optional<uint64_t> last;   // absent for "bytes */T"
  std::optional<uint64_t> total;  // absent for "bytes S-E/*"
};

// "bytes S-E/T", "bytes S-E/*" or "bytes */T"; nullopt for anything else, including a range
// whose end is before its start or not below a known total.
std::optional<ContentRange> parse_content_range(std::string_view v);

}  // namespace ckpt::hub
