#include "cli/hub_step.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "cli/progress_bar.h"
#include "formats/checkpoint_discovery.h"
#include "hub/hub_download.h"
#include "io/error.h"

namespace ckpt::cli {

std::vector<OptionSpec> hub_option_specs() {
  return {{"repo", "ID", "HuggingFace repository (default EleutherAI/gpt-j-6B)"},
          {"revision", "REV", "branch, tag or commit (default main)"},
          {"cache-dir", "DIR", "HF cache to use and fill (default $HF_HUB_CACHE or $HF_HOME/hub)"},
          {"offline", "", "never use the network (also HF_HUB_OFFLINE=1)"}};
}

void download_into(const Args& args, const std::string& dir, bool show_progress,
                   std::ostream& out) {
  hub::HubOptions o = hub::hub_options_from_env();
  if (auto v = args.value("repo")) o.repo = *v;
  if (auto v = args.value("revision")) o.revision = *v;
  if (auto v = args.value("cache-dir")) o.cache_dir = *v;
  if (args.flag("offline")) o.offline = true;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_io(dir, "cannot create directory: " + ec.message());
  ProgressBar bar(show_progress);
  const auto files = hub::download_model(o, dir, bar);
  out << "downloaded " << o.repo << "@" << o.revision << " into " << dir << " (" << files.size()
      << (files.size() == 1 ? " file)\n" : " files)\n");
}

bool has_local_model(const std::string& dir) {
  if (!std::filesystem::exists(std::filesystem::path(dir) / "config.json")) return false;
  const auto weights = find_hf_weights(dir);
  if (!weights) return false;
  // A git clone without git-lfs leaves pointer files where the weights should be: fetch them.
  // A pointer is a text file of less than 1024 bytes (git-lfs's limit), so a larger file is
  // not read here: reading would pull its head into the page cache before the command maps
  // it, and a cold input would then look cached (io/drop_behind.h).
  static constexpr std::string_view kPointer = "version https://git-lfs";
  static constexpr uintmax_t kMaxPointerSize = 1024;
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(*weights, ec);
  if (!ec && size >= kMaxPointerSize) return true;
  std::ifstream in(*weights, std::ios::binary);
  std::string head(kPointer.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return head != kPointer;
}

}  // namespace ckpt::cli
