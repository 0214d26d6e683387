#include "hub/repo_files.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "hub/backoff.h"
#include "hub/hub_errors.h"
#include "io/error.h"

namespace ckpt::hub {
namespace {

std::string percent_encode(const std::string& s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string endpoint_base(const HubOptions& o) {
  std::string e = o.endpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

}  // namespace

std::string repo_api_url(const HubOptions& o) {
  return endpoint_base(o) + "/api/models/" + o.repo + "/revision/" +
         percent_encode(o.revision, false) + "?blobs=true";
}

std::string resolve_url(const HubOptions& o, const std::string& revision, const std::string& file) {
  return endpoint_base(o) + "/" + o.repo + "/resolve/" + percent_encode(revision, false) + "/" +
         percent_encode(file, true);
}

RepoInfo parse_repo_info(const std::string& json_text, const std::string& url) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw_io(url, "the hub's answer is not a JSON object");
  RepoInfo info;
  if (auto sha = j.find("sha"); sha != j.end() && sha->is_string()) info.commit = *sha;
  auto siblings = j.find("siblings");
  if (siblings == j.end() || !siblings->is_array()) {
    throw_io(url, "the hub's answer has no \"siblings\" file list");
  }
  for (const auto& s : *siblings) {
    if (!s.is_object()) continue;
    auto name = s.find("rfilename");
    if (name == s.end() || !name->is_string()) continue;
    RepoFile f;
    f.name = *name;
    if (auto size = s.find("size"); size != s.end() && size->is_number_unsigned()) {
      f.size = size->get<uint64_t>();
    }
    info.files.push_back(std::move(f));
  }
  return info;
}

RepoInfo fetch_repo_info(HttpClient& client, const HubOptions& o) {
  const std::string url = repo_api_url(o);
  Backoff backoff(o);
  for (;;) {
    HttpResponse r = client.get(url, std::nullopt, nullptr);
    if (r.curl_code == 0 && r.status == 200) return parse_repo_info(r.body, url);
    retry_or_throw(url, r, backoff, o, RequestSubject{});
  }
}

std::optional<std::string> choose_weights(const std::set<std::string>& names) {
  for (const char* n : {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                        "pytorch_model.bin.index.json"}) {
    if (names.count(n) != 0) return std::string(n);
  }
  return std::nullopt;
}

bool is_index_file(const std::string& name) {
  const std::string suffix = ".index.json";
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_safe_relative_path(const std::string& p) {
  if (p.empty() || p.front() == '/' || p.find('\\') != std::string::npos ||
      p.find('\0') != std::string::npos) {
    return false;
  }
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    const std::string part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::vector<std::string> shards_from_index(const std::string& json_text, const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw_bad_input(path, "not a JSON object");
  auto map = j.find("weight_map");
  if (map == j.end() || !map->is_object()) throw_bad_input(path, "no \"weight_map\" object");
  std::set<std::string> shards;
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it->is_string()) {
      throw_bad_input(path, "weight_map entry \"" + it.key() + "\" is not a file name");
    }
    const std::string shard = *it;
    if (!is_safe_relative_path(shard)) {
      throw_bad_input(
          path, "weight_map entry \"" + it.key() + "\" names an unsafe path \"" + shard + "\"");
    }
    shards.insert(shard);
  }
  if (shards.empty()) throw_bad_input(path, "weight_map is empty");
  return {shards.begin(), shards.end()};
}

}  // namespace ckpt::hub
