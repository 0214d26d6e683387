// Fuzz target: what the hub client parses itself in an HTTP response head: the status and
// header lines (parse_head_line, one line per call as curl delivers them), then the headers a
// download reads: Content-Range, Content-Length / X-Linked-Size, ETag / X-Linked-Etag.
// Nothing may throw or crash, and the parsed values must be consistent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/content_range.h"
#include "hub/file_download.h"
#include "hub/http_head.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt::hub;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  long status = 0;
  Headers headers;
  while (!text.empty()) {  // curl hands over one line at a time, with its line end
    const size_t eol = text.find('\n');
    const size_t n = eol == std::string_view::npos ? text.size() : eol + 1;
    parse_head_line(text.substr(0, n), status, headers);
    text.remove_prefix(n);
  }
  if (status < 0) __builtin_trap();
  for (const auto& [name, value] : headers) {
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') __builtin_trap();  // names are lowercase
    }
    if (auto cr = parse_content_range(value)) {
      if (cr->first.has_value() != cr->last.has_value()) __builtin_trap();
      if (cr->first && *cr->last < *cr->first) __builtin_trap();
      if (cr->last && cr->total && *cr->last >= *cr->total) __builtin_trap();
    }
    (void)parse_decimal_u64(value);
    const std::string etag = normalize_etag(value);
    if (etag.size() > value.size()) __builtin_trap();
    (void)is_sha256_hex(etag);
  }
  return 0;
}
