#include "cli/args.h"

#include <algorithm>

#include "io/error.h"

namespace ckpt::cli {
namespace {

std::string kebab(std::string s) {
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& name) {
  for (const OptionSpec& s : specs) {
    if (s.name == name) return &s;
    for (const std::string& a : s.aliases) {
      if (a == name) return &s;
    }
  }
  return nullptr;
}

}  // namespace

Args Args::parse(const std::string& command, const std::vector<std::string>& argv,
                 const std::vector<OptionSpec>& specs) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      if (arg.size() > 1 && arg[0] == '-') {
        throw_usage("unknown option '" + arg + "' for '" + command + "' (see ckptconv " + command +
                    " --help)");
      }
      args.positionals_.push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string spelled = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const OptionSpec* spec = find_spec(specs, kebab(spelled));
    if (spec == nullptr) {
      throw_usage("unknown option '--" + spelled + "' for '" + command + "' (see ckptconv " +
                  command + " --help)");
    }
    std::string value;
    if (spec->value_name.empty()) {
      if (eq != std::string::npos) throw_usage("option '--" + spelled + "' takes no value");
    } else if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      throw_usage("option '--" + spelled + "' needs a value (" + spec->value_name + ")");
    }
    if (!args.values_.emplace(spec->name, value).second) {
      throw_usage("option '--" + spelled + "' given more than once");
    }
  }
  return args;
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::required(const std::string& name) const {
  auto v = value(name);
  if (!v || v->empty()) {
    std::string snake = name;
    std::replace(snake.begin(), snake.end(), '-', '_');
    throw_usage("missing required option --" + snake);
  }
  return *v;
}

long long Args::integer(const std::string& name, long long fallback, long long min,
                        long long max) const {
  auto v = value(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    long long n = std::stoll(*v, &used);
    if (used == v->size() && n >= min && n <= max) return n;
  } catch (const std::exception&) {
  }
  throw_usage("option '--" + name + "' must be an integer from " + std::to_string(min) + " to " +
              std::to_string(max) + ", got '" + *v + "'");
}

std::string format_options(const std::vector<OptionSpec>& specs) {
  std::string out;
  for (const OptionSpec& s : specs) {
    std::string snake = s.name;
    std::replace(snake.begin(), snake.end(), '-', '_');
    std::string left = "  --" + snake + (s.value_name.empty() ? "" : " " + s.value_name);
    if (left.size() < 28)
      left.resize(28, ' ');
    else
      left += "  ";
    out += left + s.help + "\n";
  }
  return out;
}

}  // namespace ckpt::cli
