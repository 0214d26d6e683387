// Placeholder: wired up when the layer below lands.
#include "cli/command.h"
#include "io/error.h"

namespace ckpt::cli {
namespace {

int run(const Args&, std::ostream&, std::ostream&) { throw_usage("'to_hf' is not implemented yet"); }

}  // namespace

const Command& to_hf_command() {
  static const Command c{"to-hf", "(not implemented yet)", "ckptconv to-hf", "", {}, run};
  return c;
}

}  // namespace ckpt::cli
