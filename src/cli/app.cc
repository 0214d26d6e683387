#include "cli/app.h"

#include <cstdio>
#include <exception>
#include <string>

#include "io/error.h"

namespace ckpt::cli {

int run_app(int argc, char** argv) {
  (void)argc;
  (void)argv;
  try {
    throw_usage("no commands yet");
  } catch (const Error& e) {
    std::fprintf(stderr, "ckptconv: error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}

}  // namespace ckpt::cli
