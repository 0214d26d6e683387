// A small HTTP GET client over libcurl's easy interface. Redirects are followed here rather
// than by curl so that the Authorization header only ever goes to the hub's own origin
// (scheme, host and port), never to a CDN or any other host a redirect points at. Proxies come
// from the standard environment variables, which curl honours by default.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/http_head.h"
#include "hub/hub_options.h"

namespace ckpt::hub {

// Receives the body of the final 2xx response. begin() is called once the headers are in
// (also for an empty body); returning false from either call aborts the transfer.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual bool begin(long status, const Headers& headers) = 0;
  virtual bool write(const char* data, size_t n) = 0;
};

struct HttpResponse {
  long status = 0;             // 0 when no response arrived
  Headers headers;             // of the final response
  std::vector<Headers> chain;  // every response of the redirect chain, the hub's first
  std::string url;             // the URL that gave the final response
  std::string body;            // body of a non-2xx response, or of any response without a sink
  int curl_code = 0;           // CURLcode; 0 when the transfer completed
  std::string curl_error;      // curl's message when curl_code != 0

  // `name` from the earliest response in the chain that has it (the hub's own headers, not
  // the CDN's); "" when absent.
  std::string hub_header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(const HubOptions& options);
  // GET `url`, with "Range: bytes=<range_start>-" when given. A 2xx body goes to `sink`
  // (or to response.body, capped at `max_body` bytes, when sink is null).
  HttpResponse get(const std::string& url, std::optional<uint64_t> range_start, BodySink* sink,
                   size_t max_body = 64 << 20);

 private:
  HttpResponse get_once(const std::string& url, std::optional<uint64_t> range_start, BodySink* sink,
                        size_t max_body, bool send_token);

  HubOptions options_;
  std::string endpoint_origin_;
};

// "scheme://host:port" (lowercase, default port filled in) or "" when `url` does not parse.
std::string url_origin(const std::string& url);
// Reason phrase for common statuses: 401 → "Unauthorized".
std::string http_reason(long status);
// True for curl errors worth retrying (connection dropped, reset, timed out).
bool is_transient_curl_error(int curl_code);

}  // namespace ckpt::hub
