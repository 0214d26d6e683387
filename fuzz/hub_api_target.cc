// Fuzz target: the JSON the hub client reads from the network: the revision API's answer
// (parse_repo_info: commit and file list) and a downloaded index (shards_from_index: the shard
// files to fetch). Any input must end in a value or a ckpt::Error; every shard name accepted
// must be a safe relative path, and every listed file must make a resolve URL.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hub/repo_files.h"
#include "io/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const hub::RepoInfo info = hub::parse_repo_info(text, "http://127.0.0.1/api");
    hub::HubOptions o;
    o.endpoint = "http://127.0.0.1:1/";
    o.repo = "org/name";
    for (const hub::RepoFile& f : info.files) {
      if (hub::resolve_url(o, info.commit, f.name).empty()) __builtin_trap();
    }
  } catch (const Error&) {
  }
  try {
    const std::vector<std::string> shards = hub::shards_from_index(text, "x.index.json");
    if (shards.empty()) __builtin_trap();
    for (size_t i = 0; i < shards.size(); ++i) {
      if (!hub::is_safe_relative_path(shards[i])) __builtin_trap();
      if (i > 0 && !(shards[i - 1] < shards[i])) __builtin_trap();
    }
  } catch (const Error&) {
  }
  return 0;
}
