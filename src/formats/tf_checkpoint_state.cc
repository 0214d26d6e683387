#include "formats/tf_checkpoint_state.h"

#include <optional>

namespace ckpt {
namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The string literal that starts at `s[0]` (a '"' or '\''), decoded; nullopt when it is not
// closed on this line or holds an unknown escape.
std::optional<std::string> decode_literal(std::string_view s) {
  const char quote = s[0];
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == quote) return out;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == s.size()) return std::nullopt;
    const char e = s[i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '"':
      case '\'':
      case '\\':
        out += e;
        break;
      case 'x': {
        int v = 0;
        size_t digits = 0;
        while (digits < 2 && i + 1 < s.size() && hex_value(s[i + 1]) >= 0) {
          v = v * 16 + hex_value(s[++i]);
          ++digits;
        }
        if (digits == 0) return std::nullopt;
        out += static_cast<char>(v);
        break;
      }
      default: {
        if (!is_octal(e)) return std::nullopt;
        int v = e - '0';
        for (int k = 0; k < 2 && i + 1 < s.size() && is_octal(s[i + 1]); ++k) {
          v = v * 8 + (s[++i] - '0');
        }
        if (v > 0xff) return std::nullopt;
        out += static_cast<char>(v);
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::string parse_tf_checkpoint_state(std::string_view text) {
  constexpr std::string_view kKey = "model_checkpoint_path:";
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos || (line[start] != '"' && line[start] != '\'')) return {};
    return decode_literal(line.substr(start)).value_or(std::string());
  }
  return {};
}

}  // namespace ckpt
