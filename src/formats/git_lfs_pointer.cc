#include "formats/git_lfs_pointer.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>

#include "io/error.h"

namespace ckpt {
namespace {

constexpr std::string_view kPrefix = "version https://git-lfs";
constexpr uintmax_t kMaxPointerBytes = 1024;

bool starts_like_pointer(std::string_view head) { return head.starts_with(kPrefix); }

}  // namespace

void refuse_git_lfs_pointer(const MappedFile& file) {
  const std::string_view head(reinterpret_cast<const char*>(file.data()), file.size());
  if (starts_like_pointer(head)) {
    throw_bad_input(file.path(),
                    "is a git-lfs pointer, not the weights (run `git lfs pull` or let ckptconv "
                    "download them)");
  }
}

bool is_git_lfs_pointer_file(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size >= kMaxPointerBytes) return false;
  std::ifstream in(path, std::ios::binary);
  std::string head(kPrefix.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return starts_like_pointer(head);
}

}  // namespace ckpt
