#include "io/interrupt.h"

#include <csignal>

#include "io/error.h"

namespace ckpt {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_signal(int) { g_interrupted = 1; }

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

void check_interrupted() {
  if (interrupted())
    throw Error(ExitCode::kInterrupted, "", "interrupted; partial outputs removed");
}

}  // namespace ckpt
