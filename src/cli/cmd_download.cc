// Placeholder: wired up when the layer below lands.
#include "cli/command.h"
#include "io/error.h"

namespace ckpt::cli {
namespace {

int run(const Args&, std::ostream&, std::ostream&) { throw_usage("'download' is not implemented yet"); }

}  // namespace

const Command& download_command() {
  static const Command c{"download", "(not implemented yet)", "ckptconv download", "", {}, run};
  return c;
}

}  // namespace ckpt::cli
