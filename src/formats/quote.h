// Names taken from hostile files (zip entry names, pickle strings) go into one-line error
// messages: quote them, escape anything unprintable and cap their length.
#pragma once

#include <string>
#include <string_view>

namespace ckpt {

// 'text' with \n, \\, \' and non-printable bytes escaped (\xNN), as are bytes that are not
// part of valid UTF-8 (so the message stays valid UTF-8); longer than `max_len` bytes is cut
// and marked with "...".
std::string quoted(std::string_view text, size_t max_len = 200);
// Exact-match overloads, so an unqualified quoted(str) inside namespace ckpt never resolves to
// std::quoted through argument-dependent lookup.
inline std::string quoted(const std::string& text, size_t max_len = 200) {
  return quoted(std::string_view(text), max_len);
}
inline std::string quoted(const char* text, size_t max_len = 200) {
  return quoted(std::string_view(text), max_len);
}

// Offset of the first byte that breaks UTF-8 (overlong forms, surrogates and code points past
// U+10FFFF included), or npos when `s` is valid.
size_t first_invalid_utf8(std::string_view s);

}  // namespace ckpt
