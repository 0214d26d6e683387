#include "hub/hub_cache.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/error.h"
#include "io/output_file.h"

namespace ckpt::hub {
namespace fs = std::filesystem;
namespace {

bool is_commit_hash(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw_io(dir.string(), "cannot create directory: " + ec.message());
}

std::string escape_file(const std::string& file) {
  std::string out;
  for (char c : file) {
    if (c == '/') {
      out += "%2F";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string cache_folder_name(const std::string& repo) {
  std::string name = "models--";
  for (char c : repo) {
    if (c == '/') {
      name += "--";
    } else {
      name.push_back(c);
    }
  }
  return name;
}

RepoCache::RepoCache(const std::string& root, const std::string& repo)
    : repo_dir_(root + "/" + cache_folder_name(repo)) {}

std::string RepoCache::snapshot_dir(const std::string& commit) const {
  return repo_dir_ + "/snapshots/" + commit;
}

std::string RepoCache::snapshot_path(const std::string& commit, const std::string& file) const {
  return snapshot_dir(commit) + "/" + file;
}

std::optional<std::string> RepoCache::resolve(const std::string& revision) const {
  std::ifstream in(repo_dir_ + "/refs/" + revision);
  if (in) {
    std::string commit;
    std::getline(in, commit);
    while (!commit.empty() &&
           (commit.back() == '\n' || commit.back() == '\r' || commit.back() == ' ')) {
      commit.pop_back();
    }
    if (!commit.empty() && commit.find('/') == std::string::npos && commit != "." &&
        commit != "..") {
      return commit;
    }
  }
  std::error_code ec;
  if (is_commit_hash(revision) && fs::is_directory(snapshot_dir(revision), ec)) return revision;
  return std::nullopt;
}

void RepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  const fs::path ref = fs::path(repo_dir_) / "refs" / revision;
  make_dirs(ref.parent_path());
  write_file_atomically(ref.string(), commit);
}

bool RepoCache::has(const std::string& commit, const std::string& file) const {
  std::error_code ec;
  return fs::is_regular_file(snapshot_path(commit, file), ec);  // follows the symlink
}

std::string RepoCache::incomplete_path(const std::string& commit, const std::string& file) const {
  make_dirs(fs::path(repo_dir_) / "blobs");
  return repo_dir_ + "/blobs/" + commit + "." + escape_file(file) + ".incomplete";
}

std::string RepoCache::store(const std::string& temp, const std::string& blob_name,
                             const std::string& commit, const std::string& file) const {
  const fs::path blob = fs::path(repo_dir_) / "blobs" / blob_name;
  std::error_code ec;
  if (fs::is_regular_file(blob, ec)) {
    fs::remove(temp, ec);  // same content already cached under its etag
  } else if (::rename(temp.c_str(), blob.c_str()) != 0) {
    throw_errno(blob.string(), "cannot rename " + temp + " to it", errno);
  }
  const fs::path link = snapshot_path(commit, file);
  make_dirs(link.parent_path());
  // Relative target, as huggingface_hub makes it, so the cache can be moved as a whole.
  std::string target = "../../blobs/" + blob_name;
  for (char c : file) {
    if (c == '/') target = "../" + target;
  }
  const fs::path tmp_link = link.string() + ".ckptconv-tmp-" + std::to_string(::getpid());
  fs::remove(tmp_link, ec);
  fs::create_symlink(target, tmp_link, ec);
  if (ec) throw_io(tmp_link.string(), "cannot create symlink: " + ec.message());
  fs::rename(tmp_link, link, ec);
  if (ec) throw_io(link.string(), "cannot rename a symlink into place: " + ec.message());
  return link.string();
}

void link_or_copy(const std::string& src, const std::string& dst) {
  std::error_code ec;
  const fs::path real = fs::canonical(src, ec);
  if (ec) throw_io(src, "cannot resolve: " + ec.message());
  if (fs::equivalent(real, dst, ec)) return;  // already the same file
  make_dirs(fs::path(dst).parent_path());
  const std::string tmp = dst + ".ckptconv-tmp-" + std::to_string(::getpid());
  fs::remove(tmp, ec);
  fs::create_hard_link(real, tmp, ec);
  if (ec) {
    fs::copy_file(real, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw_io(dst, "cannot copy from " + real.string() + ": " + ec.message());
    }
  }
  fs::rename(tmp, dst, ec);
  if (ec) throw_io(dst, "cannot rename " + tmp + " to it: " + ec.message());
}

}  // namespace ckpt::hub
