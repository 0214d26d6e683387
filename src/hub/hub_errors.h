// Turning a hub's HTTP answer into the one-line error a user can act on.
#pragma once

#include <string>

#include "hub/backoff.h"
#include "hub/http_client.h"
#include "hub/hub_options.h"

namespace ckpt::hub {

// What a request was for, so a 404 can say which thing is missing.
struct RequestSubject {
  std::string file;  // "" for the repository API
};

// Throws for 401/403 (token needed or refused), 404 (repository, revision or file not found,
// from X-Error-Code when the hub sends it), and any other non-2xx status. Repository and
// revision not found are the user's input (kBadInput); the rest is kIo.
[[noreturn]] void throw_http_status(const std::string& url, const HttpResponse& r,
                                    const HubOptions& options, const RequestSubject& subject);

// After the last attempt failed: "<url>: <what> (gave up after N attempts)".
[[noreturn]] void throw_gave_up(const std::string& url, const HttpResponse& r, int attempts);

// For a failed response: returns after the backoff wait when it is worth another attempt
// (a transient network error or a retryable status, attempts left); throws otherwise.
void retry_or_throw(const std::string& url, const HttpResponse& r, Backoff& backoff,
                    const HubOptions& options, const RequestSubject& subject);

}  // namespace ckpt::hub
