// Dispatches `ckptconv <command> ...` to one of the commands and turns every ckpt::Error into
// one line on stderr ("ckptconv: error: <file>: <what>") and its exit code.
#pragma once

namespace ckpt::cli {

int run_app(int argc, char** argv);

}  // namespace ckpt::cli
