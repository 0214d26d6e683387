// Ctrl-C handling for long work: SIGINT/SIGTERM only set a flag; loops poll it and unwind with
// an Error, so every temporary output is removed by its owner on the way out.
#pragma once

namespace ckpt {

void install_interrupt_handlers();
bool interrupted();
// Throws Error(kInterrupted, "", "interrupted") when a signal arrived.
void check_interrupted();

}  // namespace ckpt
