#include <algorithm>
#include <thread>

#include "cli/command.h"

namespace ckpt::cli {

OptionSpec opt_input_dir(const char* help) { return {"input-dir", "DIR", help}; }

OptionSpec opt_output_dir(const char* help) {
  // "--ouput_dir" is how the reference README spells it; accept what users copy from there.
  return {"output-dir", "DIR", help, {"ouput-dir"}};
}

OptionSpec opt_share_embeddings() {
  return {"share-embeddings", "", "the Cerebras model shares input and output embeddings"};
}

OptionSpec opt_no_progress() { return {"no-progress", "", "do not draw a progress bar"}; }

OptionSpec opt_threads() { return {"threads", "N", "worker threads (default: every core)"}; }

OptionSpec opt_force() {
  return {"force", "", "write into an existing non-empty output directory"};
}

int threads_option(const Args& args) {
  const auto cores = static_cast<long long>(std::max(1u, std::thread::hardware_concurrency()));
  return static_cast<int>(args.integer("threads", cores, 1, 256));
}

}  // namespace ckpt::cli
