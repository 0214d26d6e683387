#include <algorithm>
#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "formats/checkpoint_discovery.h"
#include "io/error.h"

namespace ckpt::cli {
namespace {

std::string file_name(const TensorView& t) {
  return t.file ? std::filesystem::path(t.file->path()).filename().string() : "";
}

void print_table(const Checkpoint& c, std::ostream& out) {
  std::vector<std::array<std::string, 6>> rows{{"name", "dtype", "shape", "bytes", "offset", "file"}};
  for (const TensorView& t : c.tensors) {
    rows.push_back({t.name, std::string(dtype_name(t.dtype)), shape_to_string(t.shape),
                    std::to_string(t.byte_size()), std::to_string(t.offset), file_name(t)});
  }
  std::array<size_t, 6> width{};
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      // Numbers right-aligned, text left-aligned; no trailing blanks.
      const bool numeric = i == 3 || i == 4;
      std::string cell = r[i];
      const std::string pad(width[i] - cell.size(), ' ');
      cell = numeric ? pad + cell : (i + 1 < r.size() ? cell + pad : cell);
      line += (i == 0 ? "" : "  ") + cell;
    }
    out << line << "\n";
  }
}

int run(const Args& args, std::ostream& out, std::ostream&) {
  if (args.positionals().size() != 1) throw_usage("inspect takes exactly one PATH (see ckptconv inspect --help)");
  const std::string path = args.positionals()[0];
  const Checkpoint c = open_checkpoint(path);
  uint64_t params = 0, bytes = 0;
  for (const TensorView& t : c.tensors) {
    params += static_cast<uint64_t>(std::max<int64_t>(0, t.numel()));
    bytes += t.byte_size();
  }
  if (args.flag("json")) {
    nlohmann::ordered_json j;
    j["path"] = path;
    j["format"] = c.format;
    j["files"] = nlohmann::ordered_json::array();
    for (const std::string& f : c.files) j["files"].push_back(std::filesystem::path(f).filename().string());
    j["tensors"] = nlohmann::ordered_json::array();
    for (const TensorView& t : c.tensors) {
      j["tensors"].push_back({{"name", t.name},
                              {"dtype", dtype_name(t.dtype)},
                              {"shape", t.shape},
                              {"bytes", t.byte_size()},
                              {"offset", t.offset},
                              {"file", file_name(t)}});
    }
    j["tensor_count"] = c.tensors.size();
    j["parameters"] = params;
    j["bytes"] = bytes;
    out << j.dump(1) << "\n";
    return 0;
  }
  out << path << ": " << c.format << ", " << c.files.size() << (c.files.size() == 1 ? " file" : " files")
      << "\n";
  print_table(c, out);
  out << c.tensors.size() << " tensors, " << params << " parameters, " << bytes << " bytes\n";
  return 0;
}

}  // namespace

const Command& inspect_command() {
  static const Command c{
      "inspect",
      "list the tensors of any supported checkpoint",
      "ckptconv inspect PATH [--json]",
      "Lists every tensor (name, dtype, shape, bytes, offset in its file, file) of PATH: a\n"
      "PyTorch .bin (zip or legacy), a .safetensors file, a sharded *.index.json, a TensorFlow\n"
      "bundle (prefix, .index file, or a directory with a `checkpoint` file), or a model\n"
      "directory holding any of these. Ends with the totals and the parameter count.",
      {{"json", "", "machine-readable output"}},
      run};
  return c;
}

}  // namespace ckpt::cli
