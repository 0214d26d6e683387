#include "formats/quote.h"

namespace ckpt {

std::string quoted(std::string_view text, size_t max_len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  const bool cut = text.size() > max_len;
  for (unsigned char c : cut ? text.substr(0, max_len) : text) {
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);  // printable ASCII and UTF-8 bytes pass through
    }
  }
  if (cut) out += "...";
  return out + "'";
}

}  // namespace ckpt
