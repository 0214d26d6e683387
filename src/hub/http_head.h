// The head of an HTTP response as curl hands it over, one line per call: a status line starts
// a response (after a 1xx, or a redirect's next hop), "Name: value" lines are its headers, a
// blank line ends it. Pure, so it is unit-tested and fuzzed without a server.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ckpt::hub {

using Headers = std::map<std::string, std::string>;  // lowercase names

// What a head line was.
enum class HeadLine { kStatus, kHeader, kEnd, kIgnored };

// Applies one line (with or without its CRLF) to `status` and `headers`: a status line
// ("HTTP/..."; status 0 when it holds no number) clears the headers; a header line stores its
// trimmed value under its trimmed lowercase name (a repeated name keeps the last value); a
// line without a colon is ignored.
HeadLine parse_head_line(std::string_view line, long& status, Headers& headers);

}  // namespace ckpt::hub
