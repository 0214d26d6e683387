#include "cli/command.h"
#include "cli/hub_step.h"
#include "cli/progress_bar.h"

namespace ckpt::cli {
namespace {

int run(const Args& args, std::ostream& out, std::ostream&) {
  download_into(args, args.required("output-dir"), progress_wanted(args.flag("no-progress")), out);
  return 0;
}

std::vector<OptionSpec> options() {
  std::vector<OptionSpec> o{opt_output_dir("where config.json and the weights are written")};
  for (OptionSpec& s : hub_option_specs()) o.push_back(std::move(s));
  o.push_back(opt_no_progress());
  return o;
}

}  // namespace

const Command& download_command() {
  static const Command c{
      "download",
      "fetch a model (config.json + weights) from the HuggingFace Hub",
      "ckptconv download --output_dir DIR [--repo ID] [--revision REV] [options]",
      "Downloads config.json and the weights of a HuggingFace repository revision: "
      "model.safetensors\n"
      "(or its shards) when the repository has it, else pytorch_model.bin (or its shards).\n"
      "Files are written as NAME.incomplete and resumed with HTTP ranges after an interruption;\n"
      "sizes and sha256 are checked before a file is renamed into place. HF_ENDPOINT, HF_TOKEN,\n"
      "HF_HUB_OFFLINE, HF_HOME/HF_HUB_CACHE and the usual proxy variables are honoured.",
      options(),
      run};
  return c;
}

}  // namespace ckpt::cli
