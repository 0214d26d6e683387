// The download step shared by `download` and `convert`: hub options from the environment and
// the command line, then hub::download_model with a progress bar.
#pragma once

#include <string>
#include <vector>

#include "cli/args.h"

namespace ckpt::cli {

std::vector<OptionSpec> hub_option_specs();

// Downloads config.json and the weights into `dir` (created if missing).
void download_into(const Args& args, const std::string& dir, bool show_progress, std::ostream& out);

// True when `dir` has config.json and weights (not git-lfs pointers to them), i.e. convert has
// nothing to download.
bool has_local_model(const std::string& dir);

}  // namespace ckpt::cli
