// Names taken from hostile files (zip entry names, pickle strings) go into one-line error
// messages: quote them, escape anything unprintable and cap their length.
#pragma once

#include <string>
#include <string_view>

namespace ckpt {

// 'text' with \n, \\, \' and non-printable bytes escaped (\xNN); longer than `max_len`
// bytes is cut and marked with "...".
std::string quoted(std::string_view text, size_t max_len = 200);
// Exact-match overloads, so an unqualified quoted(str) inside namespace ckpt never resolves to
// std::quoted through argument-dependent lookup.
inline std::string quoted(const std::string& text, size_t max_len = 200) {
  return quoted(std::string_view(text), max_len);
}
inline std::string quoted(const char* text, size_t max_len = 200) {
  return quoted(std::string_view(text), max_len);
}

}  // namespace ckpt
