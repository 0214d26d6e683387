// One subcommand of ckptconv: its name, help text, options and what it runs. Each command
// lives in its own cmd_*.cc file; all_commands() lists them in the order --help shows.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/args.h"

namespace ckpt::cli {

struct Command {
  const char* name;
  const char* summary;      // one line for `ckptconv --help`
  const char* usage;        // "ckptconv convert --input_dir HF --output_dir OUT [options]"
  const char* description;  // paragraph(s) for `ckptconv CMD --help`
  std::vector<OptionSpec> options;
  // Returns the exit code; errors are thrown as ckpt::Error.
  int (*run)(const Args& args, std::ostream& out, std::ostream& err);
};

const Command& convert_command();
const Command& verify_command();
const Command& inspect_command();
const Command& download_command();
const Command& to_hf_command();

const std::vector<const Command*>& all_commands();

// Options several commands share, spelled once.
OptionSpec opt_input_dir(const char* help);
OptionSpec opt_output_dir(const char* help);
OptionSpec opt_share_embeddings();
OptionSpec opt_no_progress();
OptionSpec opt_threads();
OptionSpec opt_force();

// --threads N, defaulting to every core.
int threads_option(const Args& args);

}  // namespace ckpt::cli
