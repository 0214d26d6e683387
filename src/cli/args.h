// Command-line options of one command. Every option accepts both spellings the reference
// scripts and the docs use: --snake_case and --kebab-case, and --name=value or --name value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ckpt::cli {

struct OptionSpec {
  std::string name;        // canonical kebab-case name, e.g. "input-dir"
  std::string value_name;  // "DIR"; empty for a flag
  std::string help;
  std::vector<std::string> aliases{};  // extra spellings, e.g. "ouput-dir" (the reference typo)
};

class Args {
 public:
  // Throws Error(kUsage) for an unknown option, a missing value or a repeated option.
  static Args parse(const std::string& command, const std::vector<std::string>& argv,
                    const std::vector<OptionSpec>& specs);

  bool flag(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const;
  // Throws Error(kUsage) "missing required option --NAME" when absent.
  std::string required(const std::string& name) const;
  // Throws Error(kUsage) when the value is not an integer in [min, max].
  long long integer(const std::string& name, long long fallback, long long min,
                    long long max) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positionals_;
};

// "  --input_dir DIR        help" lines for --help.
std::string format_options(const std::vector<OptionSpec>& specs);

}  // namespace ckpt::cli
