// One file from the hub into a temporary file: resumable with Range, retried with backoff,
// verified against the announced size and sha256. The caller renames the verified temporary
// into place, so a half-written file never carries a weights file's name.
#pragma once

#include <cstdint>
#include <string>

#include "hub/http_client.h"
#include "hub/hub_options.h"
#include "io/progress.h"

namespace ckpt::hub {

struct DownloadResult {
  uint64_t size = 0;
  std::string sha256;  // of the bytes in the temporary file
  std::string etag;    // X-Linked-Etag, else ETag, unquoted; "" when the hub sent neither
  std::string commit;  // X-Repo-Commit; "" when absent
};

// Downloads `url` into `temp_path` ("NAME.incomplete"), continuing from the bytes already
// there. `file` names the repository file (for 404 messages and the progress label). On a size
// or sha256 mismatch the temporary file is deleted (a rerun starts afresh) and Error(kIo)
// is thrown; a full disk throws "<temp_path>: cannot write: No space left on device".
DownloadResult download_to_temp(HttpClient& client, const HubOptions& options,
                                const std::string& url, const std::string& temp_path,
                                const std::string& file, Progress& progress);

// Strips a weak-validator prefix and quotes: W/"abc" → abc.
std::string normalize_etag(const std::string& etag);
bool is_sha256_hex(const std::string& s);

}  // namespace ckpt::hub
