// ckptconv entry point: all the work is in cli/commands; this only maps errors to exit codes.
#include "cli/app.h"

int main(int argc, char** argv) { return ckpt::cli::run_app(argc, argv); }
