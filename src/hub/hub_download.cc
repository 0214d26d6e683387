#include "hub/hub_download.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "hub/file_download.h"
#include "hub/http_client.h"
#include "hub/hub_cache.h"
#include "hub/repo_files.h"
#include "io/error.h"

namespace ckpt::hub {
namespace fs = std::filesystem;
namespace {

constexpr const char* kAnyWeights = "model.safetensors or pytorch_model.bin";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// "NAME" or "ORG/NAME", each part of [A-Za-z0-9._-] and not "." or "..".
bool is_repo_id(const std::string& repo) {
  if (repo.empty() || repo.size() > 200 || !is_safe_relative_path(repo)) return false;
  int slashes = 0;
  for (char c : repo) {
    if (c == '/') {
      ++slashes;
    } else if (!is_name_char(c)) {
      return false;
    }
  }
  return slashes <= 1;
}

void validate(const HubOptions& o) {
  if (!is_repo_id(o.repo)) {
    throw_bad_input("--repo", "\"" + o.repo + "\" is not a repository id (ORG/NAME)");
  }
  if (!is_safe_relative_path(o.revision)) {
    throw_bad_input("--revision", "\"" + o.revision + "\" is not a usable revision");
  }
  if (!o.offline && o.endpoint.rfind("http://", 0) != 0 && o.endpoint.rfind("https://", 0) != 0) {
    throw_bad_input("HF_ENDPOINT", "\"" + o.endpoint + "\" is not an http(s) URL");
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_errno(path, "cannot open", errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// A model's files found in `dir` (relative names) and what it still lacks.
struct LocalModel {
  std::vector<std::string> present;
  std::vector<std::string> missing;
};

LocalModel inspect_dir(const std::string& dir) {
  LocalModel m;
  if (is_file(dir + "/config.json")) {
    m.present.push_back("config.json");
  } else {
    m.missing.push_back("config.json");
  }
  std::set<std::string> names;
  for (const char* n : {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                        "pytorch_model.bin.index.json"}) {
    if (is_file(dir + "/" + n)) names.insert(n);
  }
  std::optional<std::string> entry = choose_weights(names);
  if (!entry) {
    m.missing.push_back(kAnyWeights);
    return m;
  }
  m.present.push_back(*entry);
  if (is_index_file(*entry)) {
    const std::string index = dir + "/" + *entry;
    for (const std::string& shard : shards_from_index(read_text(index), index)) {
      (is_file(dir + "/" + shard) ? m.present : m.missing).push_back(shard);
    }
  }
  return m;
}

[[noreturn]] void throw_offline(const std::string& dir, const std::vector<std::string>& missing) {
  std::string need;
  for (const std::string& m : missing) need += (need.empty() ? "" : ", ") + m;
  throw_io(dir, "weights missing and offline mode is on (HF_HUB_OFFLINE=1): need " + need);
}

std::vector<std::string> prefixed(const std::string& dir, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& n : names) out.push_back(dir + "/" + n);
  return out;
}

std::vector<std::string> resolve_offline(const HubOptions& o, const std::string& output_dir) {
  LocalModel local;
  if (!output_dir.empty()) {
    local = inspect_dir(output_dir);
    if (local.missing.empty()) return prefixed(output_dir, local.present);
  }
  if (!o.cache_dir) throw_offline(output_dir, local.missing);
  RepoCache cache(*o.cache_dir, o.repo);
  std::optional<std::string> commit = cache.resolve(o.revision);
  if (!commit) throw_offline(cache.repo_dir(), {"refs/" + o.revision});
  const std::string snapshot = cache.snapshot_dir(*commit);
  LocalModel cached = inspect_dir(snapshot);
  if (!cached.missing.empty()) throw_offline(snapshot, cached.missing);
  if (output_dir.empty()) return prefixed(snapshot, cached.present);
  for (const std::string& f : cached.present)
    link_or_copy(snapshot + "/" + f, output_dir + "/" + f);
  return prefixed(output_dir, cached.present);
}

bool is_blob_name(const std::string& s) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (char c : s) {
    if (!is_name_char(c)) return false;
  }
  return s.find(".incomplete") == std::string::npos;
}

// Fetches one repository file into the output directory (through the cache when there is one).
class Fetcher {
 public:
  Fetcher(HttpClient& client, const HubOptions& o, const std::string& output_dir,
          const RepoInfo& info, Progress& progress)
      : client_(client), o_(o), output_dir_(output_dir), progress_(progress) {
    revision_ = info.commit.empty() ? o.revision : info.commit;
    for (const RepoFile& f : info.files) sizes_[f.name] = f.size;
    if (o.cache_dir) cache_.emplace(*o.cache_dir, o.repo);
  }

  std::string fetch(const std::string& file) {
    const std::string url = resolve_url(o_, revision_, file);
    std::string dest = output_dir_.empty() ? "" : output_dir_ + "/" + file;
    if (cache_) {
      if (!cache_->has(revision_, file)) {
        const std::string temp = cache_->incomplete_path(revision_, file);
        DownloadResult r = download_to_temp(client_, o_, url, temp, file, progress_);
        cache_->store(temp, is_blob_name(r.etag) ? r.etag : r.sha256, revision_, file);
      }
      std::string cached = cache_->snapshot_path(revision_, file);
      if (dest.empty()) return cached;
      link_or_copy(cached, dest);
      return dest;
    }
    if (already_there(file, dest)) return dest;
    std::error_code ec;
    fs::create_directories(fs::path(dest).parent_path(), ec);
    if (ec)
      throw_io(fs::path(dest).parent_path().string(), "cannot create directory: " + ec.message());
    const std::string temp = dest + ".incomplete";
    download_to_temp(client_, o_, url, temp, file, progress_);
    if (std::rename(temp.c_str(), dest.c_str()) != 0) {
      throw_errno(dest, "cannot rename " + temp + " to it", errno);
    }
    return dest;
  }

 private:
  // A finished file from an earlier run, with the size the hub lists (when it lists one).
  bool already_there(const std::string& file, const std::string& dest) const {
    std::error_code ec;
    if (!fs::is_regular_file(dest, ec)) return false;
    auto it = sizes_.find(file);
    if (it == sizes_.end() || !it->second) return true;
    return fs::file_size(dest, ec) == *it->second && !ec;
  }

  HttpClient& client_;
  const HubOptions& o_;
  std::string output_dir_;
  Progress& progress_;
  std::string revision_;
  std::map<std::string, std::optional<uint64_t>> sizes_;
  std::optional<RepoCache> cache_;
};

}  // namespace

std::vector<std::string> download_model(const HubOptions& options, const std::string& output_dir,
                                        Progress& progress) {
  validate(options);
  if (output_dir.empty() && !options.cache_dir) {
    throw_usage("download needs an output directory or a cache directory");
  }
  if (!output_dir.empty()) {
    std::error_code ec;
    fs::create_directories(output_dir, ec);
    if (ec) throw_io(output_dir, "cannot create directory: " + ec.message());
  }
  if (options.offline) return resolve_offline(options, output_dir);

  HttpClient client(options);
  const RepoInfo info = fetch_repo_info(client, options);
  const std::string api = repo_api_url(options);
  const std::string where = "repository " + options.repo + " at revision " + options.revision;
  std::set<std::string> names;
  for (const RepoFile& f : info.files) names.insert(f.name);
  if (names.count("config.json") == 0) throw_bad_input(api, where + " has no config.json");
  std::optional<std::string> entry = choose_weights(names);
  if (!entry) {
    throw_bad_input(api, where + " has no " + kAnyWeights + " (nor a sharded .index.json)");
  }
  if (options.cache_dir && info.commit.empty()) {
    throw_io(api, "the hub's answer has no commit \"sha\", which the cache needs");
  }

  Fetcher fetcher(client, options, output_dir, info, progress);
  std::vector<std::string> paths;
  paths.push_back(fetcher.fetch("config.json"));
  paths.push_back(fetcher.fetch(*entry));
  if (is_index_file(*entry)) {
    for (const std::string& shard : shards_from_index(read_text(paths.back()), paths.back())) {
      paths.push_back(fetcher.fetch(shard));
    }
  }
  if (options.cache_dir)
    RepoCache(*options.cache_dir, options.repo).write_ref(options.revision, info.commit);
  return paths;
}

}  // namespace ckpt::hub
