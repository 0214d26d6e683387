#include "cli/app.h"

#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "cli/command.h"
#include "io/error.h"
#include "io/interrupt.h"

namespace ckpt::cli {
namespace {

constexpr const char* kVersion = "ckptconv 0.1.0";

void print_main_help(std::ostream& out) {
  out << "usage: ckptconv <command> [options]\n\n"
         "Convert HuggingFace checkpoints to Cerebras TensorFlow checkpoints, verify them bit for\n"
         "bit, and convert back (supported model families: see 'ckptconv convert --help').\n\n"
         "commands:\n";
  for (const Command* c : all_commands()) {
    std::string name = c->name;
    name.resize(10, ' ');
    out << "  " << name << c->summary << "\n";
  }
  out << "\nRun 'ckptconv <command> --help' for a command's options.\n"
         "Exit codes: 0 ok, 1 verification mismatch, 2 bad usage, 3 bad or unsupported input,\n"
         "4 I/O or network failure, 130 interrupted.\n";
}

void print_command_help(const Command& c, std::ostream& out) {
  out << "usage: " << c.usage << "\n\n"
      << c.description << "\n\noptions:\n"
      << format_options(c.options) << "  --help                      show this help\n";
}

const Command* find_command(const std::string& name) {
  for (const Command* c : all_commands()) {
    if (name == c->name) return c;
  }
  return nullptr;
}

int run_command(const Command& c, const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      print_command_help(c, std::cout);
      return 0;
    }
  }
  return c.run(Args::parse(c.name, args, c.options), std::cout, std::cerr);
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    print_main_help(std::cerr);
    return static_cast<int>(ExitCode::kUsage);
  }
  const std::string first = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (first == "--help" || first == "-h") {
    print_main_help(std::cout);
    return 0;
  }
  if (first == "--version") {
    std::cout << kVersion << "\n";
    return 0;
  }
  if (first == "help") {
    if (rest.empty()) {
      print_main_help(std::cout);
      return 0;
    }
    const Command* c = find_command(rest[0]);
    if (c == nullptr) throw_usage("unknown command '" + rest[0] + "' (see ckptconv --help)");
    print_command_help(*c, std::cout);
    return 0;
  }
  const Command* c = find_command(first);
  if (c == nullptr) throw_usage("unknown command '" + first + "' (see ckptconv --help)");
  return run_command(*c, rest);
}

}  // namespace

const std::vector<const Command*>& all_commands() {
  static const std::vector<const Command*> commands{&convert_command(), &verify_command(),
                                                    &inspect_command(), &download_command(),
                                                    &to_hf_command()};
  return commands;
}

int run_app(int argc, char** argv) {
  install_interrupt_handlers();
  try {
    return dispatch(argc, argv);
  } catch (const Error& e) {
    std::cout.flush();
    std::fprintf(stderr, "ckptconv: error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "ckptconv: error: out of memory\n");
    return static_cast<int>(ExitCode::kIo);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ckptconv: error: internal error: %s\n", e.what());
    return static_cast<int>(ExitCode::kIo);
  }
}

}  // namespace ckpt::cli
