// A clone made without git-lfs leaves small text pointer files ("version https://git-lfs...",
// under 1024 bytes by git-lfs's own limit) where the weights should be.
#pragma once

#include <string>

#include "io/mapped_file.h"

namespace ckpt {

// Throws Error(kBadInput) naming the file when it starts like a git-lfs pointer.
void refuse_git_lfs_pointer(const MappedFile& file);

// True when the file at `path` is a git-lfs pointer; false when it is not or cannot be read.
// A file of 1024 bytes or more is told by its size and not read: a read would pull its head
// into the page cache before a command maps it, and a cold input would then look cached
// (io/drop_behind.h).
bool is_git_lfs_pointer_file(const std::string& path);

}  // namespace ckpt
