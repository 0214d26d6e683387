#include "formats/quote.h"

#include <cstdint>

namespace ckpt {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when the byte there starts none.
size_t utf8_length_at(std::string_view s, size_t i) {
  const auto c = static_cast<uint8_t>(s[i]);
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (c < 0x80) {
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<uint8_t>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

size_t first_invalid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t len = utf8_length_at(s, i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string quoted(std::string_view text, size_t max_len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  const bool cut = text.size() > max_len;
  const std::string_view shown = cut ? text.substr(0, max_len) : text;
  for (size_t i = 0; i < shown.size();) {
    const auto c = static_cast<unsigned char>(shown[i]);
    const size_t len = utf8_length_at(shown, i);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f || len == 0) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += shown.substr(i, len);  // printable ASCII and valid UTF-8 pass through
      i += len;
      continue;
    }
    ++i;
  }
  if (cut) out += "...";
  return out + "'";
}

}  // namespace ckpt
