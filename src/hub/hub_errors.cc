#include "hub/hub_errors.h"

#include "io/error.h"

namespace ckpt::hub {

void throw_http_status(const std::string& url, const HttpResponse& r, const HubOptions& o,
                       const RequestSubject& subject) {
  const std::string status = std::to_string(r.status) + " " + http_reason(r.status);
  if (r.status == 401 || r.status == 403) {
    if (o.token.empty()) throw_io(url, status + ": this repository needs a token (set HF_TOKEN)");
    throw_io(url,
             status + ": the token in HF_TOKEN was refused or has no access to this repository");
  }
  if (r.status == 404) {
    const std::string code = r.hub_header("x-error-code");
    if (code == "RepoNotFound") {
      throw Error(ExitCode::kBadInput, url, status + ": repository " + o.repo + " not found");
    }
    if (code == "RevisionNotFound") {
      throw Error(ExitCode::kBadInput, url,
                  status + ": revision " + o.revision + " not found in repository " + o.repo);
    }
    if (subject.file.empty()) {
      throw Error(
          ExitCode::kBadInput, url,
          status + ": repository " + o.repo + " or its revision " + o.revision + " not found");
    }
    throw_io(url, status + ": file " + subject.file + " not found in repository " + o.repo +
                      " at revision " + o.revision);
  }
  throw_io(url, "unexpected HTTP status " + status);
}

void throw_gave_up(const std::string& url, const HttpResponse& r, int attempts) {
  const std::string what =
      r.curl_code != 0 ? r.curl_error : std::to_string(r.status) + " " + http_reason(r.status);
  throw_io(url, what + " (gave up after " + std::to_string(attempts) + " attempts)");
}

void retry_or_throw(const std::string& url, const HttpResponse& r, Backoff& backoff,
                    const HubOptions& options, const RequestSubject& subject) {
  const bool transient =
      r.curl_code != 0 ? is_transient_curl_error(r.curl_code) : is_retryable_status(r.status);
  if (transient) {
    if (backoff.wait()) return;
    throw_gave_up(url, r, backoff.attempts());
  }
  if (r.curl_code != 0) throw_io(url, r.curl_error);
  throw_http_status(url, r, options, subject);
}

}  // namespace ckpt::hub
