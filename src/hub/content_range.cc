#include "hub/content_range.h"

namespace ckpt::hub {

std::optional<uint64_t> parse_decimal_u64(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::optional<ContentRange> parse_content_range(std::string_view v) {
  if (!v.starts_with("bytes ")) return std::nullopt;
  const std::string_view rest = v.substr(6);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view range = rest.substr(0, slash);
  const std::string_view total = rest.substr(slash + 1);
  ContentRange cr;
  if (total != "*") {
    cr.total = parse_decimal_u64(total);
    if (!cr.total) return std::nullopt;
  }
  if (range == "*") {
    if (!cr.total) return std::nullopt;  // "bytes */*" says nothing
    return cr;
  }
  const size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  cr.first = parse_decimal_u64(range.substr(0, dash));
  cr.last = parse_decimal_u64(range.substr(dash + 1));
  if (!cr.first || !cr.last || *cr.last < *cr.first) return std::nullopt;
  if (cr.total && *cr.last >= *cr.total) return std::nullopt;
  return cr;
}

}  // namespace ckpt::hub
