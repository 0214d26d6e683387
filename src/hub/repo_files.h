// Which files make up a model at a revision: the hub's file list, the choice of weights
// (safetensors over pickles, a single file over an index), and the shards an index names.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/http_client.h"
#include "hub/hub_options.h"

namespace ckpt::hub {

struct RepoFile {
  std::string name;
  std::optional<uint64_t> size;  // when the hub lists it (?blobs=true)
};

struct RepoInfo {
  std::string commit;  // the API's "sha"; "" when absent
  std::vector<RepoFile> files;
};

// "{endpoint}/api/models/{repo}/revision/{revision}?blobs=true".
std::string repo_api_url(const HubOptions& o);
// "{endpoint}/{repo}/resolve/{revision}/{file}" with the revision and file percent-encoded.
std::string resolve_url(const HubOptions& o, const std::string& revision, const std::string& file);

// GETs the revision's file list (with retries). Throws on 401/404/... and malformed JSON.
RepoInfo fetch_repo_info(HttpClient& client, const HubOptions& o);
// Parses the API's JSON; `url` names it in errors.
RepoInfo parse_repo_info(const std::string& json_text, const std::string& url);

// The weights entry to fetch: model.safetensors, model.safetensors.index.json,
// pytorch_model.bin, pytorch_model.bin.index.json, in that order of preference.
std::optional<std::string> choose_weights(const std::set<std::string>& names);
bool is_index_file(const std::string& name);
// The distinct shard files of an index's weight_map, sorted. Rejects absolute paths and ".."
// so a hostile index cannot make us write outside the output directory.
std::vector<std::string> shards_from_index(const std::string& json_text, const std::string& path);

// A repository file path that stays inside the directory it is joined to.
bool is_safe_relative_path(const std::string& p);

}  // namespace ckpt::hub
