#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "io/error.h"
#include "io/interrupt.h"

namespace ckpt::hub {
namespace {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Per-transfer state shared with curl's callbacks.
struct Transfer {
  CURL* curl = nullptr;
  BodySink* sink = nullptr;
  size_t max_body = 0;
  long status = 0;
  Headers headers;
  std::string body;
  bool began = false;
  bool to_sink = false;
};

size_t on_header(char* data, size_t size, size_t nitems, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nitems;
  const HeadLine kind = parse_head_line(std::string_view(data, n), t->status, t->headers);
  if (kind == HeadLine::kEnd && t->status >= 200 && t->status < 300 && t->sink != nullptr &&
      !t->began) {
    t->began = true;
    t->to_sink = true;
    if (!t->sink->begin(t->status, t->headers)) return 0;
  }
  return n;
}

size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * nmemb;
  if (t->to_sink) return t->sink->write(data, n) ? n : 0;
  if (t->body.size() < t->max_body) {
    t->body.append(data, std::min(n, t->max_body - t->body.size()));
  }
  return n;
}

// Called by curl about once a second even while waiting: lets Ctrl-C stop a stalled transfer.
int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return interrupted() ? 1 : 0;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string HttpResponse::hub_header(const std::string& name) const {
  for (const Headers& h : chain) {
    auto it = h.find(name);
    if (it != h.end()) return it->second;
  }
  return "";
}

std::string url_origin(const std::string& url) {
  ensure_curl_global_init();
  CURLU* u = curl_url();
  if (u == nullptr) return "";
  std::string origin;
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    origin = lower(scheme) + "://" + lower(host) + ":" + port;
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return origin;
}

std::string http_reason(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "HTTP error";
  }
}

bool is_transient_curl_error(int code) {
  switch (static_cast<CURLcode>(code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

HttpClient::HttpClient(const HubOptions& options)
    : options_(options), endpoint_origin_(url_origin(options.endpoint)) {
  ensure_curl_global_init();
}

HttpResponse HttpClient::get(const std::string& url, std::optional<uint64_t> range_start,
                             BodySink* sink, size_t max_body) {
  std::string current = url;
  std::vector<Headers> chain;
  for (int hop = 0;; ++hop) {
    // The token is for the hub only: compare origins, never forward it elsewhere.
    const bool send_token = !options_.token.empty() && !endpoint_origin_.empty() &&
                            url_origin(current) == endpoint_origin_;
    HttpResponse r = get_once(current, range_start, sink, max_body, send_token);
    if (r.status != 0) chain.push_back(r.headers);
    r.chain = chain;
    if (r.curl_code != 0 || !is_redirect(r.status)) return r;
    auto loc = r.headers.find("location");
    if (loc == r.headers.end() || loc->second.empty()) return r;
    if (hop >= options_.max_redirects) {
      throw_io(url, "more than " + std::to_string(options_.max_redirects) + " redirects");
    }
    // Resolve a relative Location against the current URL.
    CURLU* u = curl_url();
    char* next = nullptr;
    bool ok = u != nullptr && curl_url_set(u, CURLUPART_URL, current.c_str(), 0) == CURLUE_OK &&
              curl_url_set(u, CURLUPART_URL, loc->second.c_str(), 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_URL, &next, 0) == CURLUE_OK;
    std::string next_url = ok ? next : "";
    curl_free(next);
    curl_url_cleanup(u);
    if (!ok) throw_io(current, "redirect to an unusable location \"" + loc->second + "\"");
    const std::string scheme = next_url.substr(0, next_url.find(':'));
    if (lower(scheme) != "http" && lower(scheme) != "https") {
      throw_io(current, "redirect to a non-HTTP location \"" + next_url + "\"");
    }
    current = next_url;
  }
}

HttpResponse HttpClient::get_once(const std::string& url, std::optional<uint64_t> range_start,
                                  BodySink* sink, size_t max_body, bool send_token) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw_io(url, "cannot create a curl handle");
  CURL* c = curl.get();
  Transfer t;
  t.curl = c;
  t.sink = sink;
  t.max_body = max_body;

  curl_slist* raw_headers = nullptr;
  if (send_token) {
    raw_headers =
        curl_slist_append(raw_headers, ("Authorization: Bearer " + options_.token).c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw_headers);
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string range = range_start ? std::to_string(*range_start) + "-" : "";

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ckptconv/0.1");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (range_start) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

  CURLcode code = curl_easy_perform(c);
  check_interrupted();
  HttpResponse r;
  r.status = t.status;
  r.headers = std::move(t.headers);
  r.body = std::move(t.body);
  r.url = url;
  r.curl_code = static_cast<int>(code);
  if (code != CURLE_OK) r.curl_error = errbuf[0] != 0 ? errbuf : curl_easy_strerror(code);
  // A sink that never began (e.g. 2xx with the transfer cut in the headers) saw nothing.
  return r;
}

}  // namespace ckpt::hub
