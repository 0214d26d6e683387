#include "hub/http_head.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ckpt::hub {
namespace {

std::string_view trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "HTTP/1.1 206 Partial Content" -> 206; 0 when no status code follows the version.
long status_code(std::string_view line) {
  const size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  const std::string_view rest = trim(line.substr(sp + 1));
  long v = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
  return ec == std::errc() && end != rest.data() && v >= 0 ? v : 0;
}

}  // namespace

HeadLine parse_head_line(std::string_view line, long& status, Headers& headers) {
  if (line.starts_with("HTTP/")) {
    headers.clear();
    status = status_code(line);
    return HeadLine::kStatus;
  }
  const std::string_view t = trim(line);
  if (t.empty()) return HeadLine::kEnd;
  const size_t colon = t.find(':');
  if (colon == std::string_view::npos) return HeadLine::kIgnored;
  headers[lower(trim(t.substr(0, colon)))] = std::string(trim(t.substr(colon + 1)));
  return HeadLine::kHeader;
}

}  // namespace ckpt::hub
