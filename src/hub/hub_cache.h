// The HuggingFace cache layout, so an existing cache is reused and ours is usable by others:
//   <root>/models--ORG--NAME/blobs/<etag>                   file contents
//   <root>/models--ORG--NAME/snapshots/<commit>/<file>      symlink to ../../blobs/<etag>
//   <root>/models--ORG--NAME/refs/<revision>                text: the commit
#pragma once

#include <optional>
#include <string>

namespace ckpt::hub {

class RepoCache {
 public:
  RepoCache(const std::string& root, const std::string& repo);

  const std::string& repo_dir() const { return repo_dir_; }
  std::string snapshot_dir(const std::string& commit) const;
  std::string snapshot_path(const std::string& commit, const std::string& file) const;

  // The commit `revision` points at: refs/<revision>, or the revision itself when it is a
  // commit hash with a snapshot. nullopt when the cache does not know it.
  std::optional<std::string> resolve(const std::string& revision) const;
  void write_ref(const std::string& revision, const std::string& commit) const;

  // True when snapshots/<commit>/<file> exists and resolves to a regular file.
  bool has(const std::string& commit, const std::string& file) const;
  // Where a download of <file> at <commit> is staged until verified (resumable across runs).
  std::string incomplete_path(const std::string& commit, const std::string& file) const;
  // Moves the verified `temp` to blobs/<blob_name> (keeping an existing blob of that name) and
  // links snapshots/<commit>/<file> to it. Returns the snapshot path.
  std::string store(const std::string& temp, const std::string& blob_name,
                    const std::string& commit, const std::string& file) const;

 private:
  std::string repo_dir_;
};

// "models--ORG--NAME" for "ORG/NAME".
std::string cache_folder_name(const std::string& repo);

// Makes `dst` the same file as `src` (following symlinks): a hard link when both are on one
// filesystem, else a copy; written under a temporary name and renamed, so `dst` is never half
// there. Throws Error(kIo).
void link_or_copy(const std::string& src, const std::string& dst);

}  // namespace ckpt::hub
