#include "cli/hub_step.h"

#include <filesystem>
#include <ostream>

#include "cli/progress_bar.h"
#include "formats/checkpoint_discovery.h"
#include "formats/git_lfs_pointer.h"
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
  return !is_git_lfs_pointer_file(*weights);
}

}  // namespace ckpt::cli
