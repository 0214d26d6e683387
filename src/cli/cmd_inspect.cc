#include <algorithm>
#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "formats/checkpoint_discovery.h"
#include "formats/quote.h"
#include "formats/tf_bundle_reader.h"
#include "io/error.h"

namespace ckpt::cli {
namespace {

std::string base_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

// One listed tensor, whichever reader found it.
struct Listed {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t bytes;
  uint64_t offset;
  std::string file;  // base name, as shown
  std::string path;  // the file the tensor's metadata came from, for messages
};

struct Listing {
  std::string format;
  std::vector<std::string> files;
  std::vector<Listed> tensors;
};

// TF bundles are listed from the index alone, so an index without its data file still shows.
Listing list(const std::string& path) {
  Listing l;
  if (const std::string prefix = resolve_tf_prefix(path); !prefix.empty()) {
    const auto reader = TfBundleReader::open(prefix);
    l.format = "tf-bundle";
    l.files = {reader->index_path(), reader->data_path(0)};
    for (const TfBundleEntry& e : reader->entries()) {
      l.tensors.push_back({e.name, e.dtype, e.shape, e.size, e.offset,
                           base_name(reader->data_path(e.shard_id)), reader->index_path()});
    }
    return l;
  }
  const Checkpoint c = open_checkpoint(path);
  l.format = c.format;
  l.files = c.files;
  for (const TensorView& t : c.tensors) {
    l.tensors.push_back({t.name, t.dtype, t.shape, t.byte_size(), t.offset,
                         t.file ? base_name(t.file->path()) : "", t.file ? t.file->path() : path});
  }
  return l;
}

void print_table(const Listing& c, std::ostream& out) {
  std::vector<std::array<std::string, 6>> rows{
      {"name", "dtype", "shape", "bytes", "offset", "file"}};
  for (const Listed& t : c.tensors) {
    rows.push_back({t.name, std::string(dtype_name(t.dtype)), shape_to_string(t.shape),
                    std::to_string(t.bytes), std::to_string(t.offset), t.file});
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
  if (args.positionals().size() != 1)
    throw_usage("inspect takes exactly one PATH (see ckptconv inspect --help)");
  const std::string path = args.positionals()[0];
  const Listing c = list(path);
  uint64_t params = 0, bytes = 0;
  for (const Listed& t : c.tensors) {  // each fits in int64 (the readers check); the sums may not
    if (__builtin_add_overflow(params, static_cast<uint64_t>(shape_numel(t.shape)), &params) ||
        __builtin_add_overflow(bytes, t.bytes, &bytes)) {
      throw_bad_input(t.path, "the tensors' total size overflows 64 bits");
    }
  }
  if (args.flag("json")) {
    // JSON strings are UTF-8; a name that is not cannot be listed faithfully (replacing bytes
    // would make two names look alike), so it is refused, naming its file.
    for (const Listed& t : c.tensors) {
      if (first_invalid_utf8(t.name) != std::string_view::npos) {
        throw_bad_input(t.path, "tensor name " + ckpt::quoted(t.name) +
                                    " is not valid UTF-8 and cannot be listed as JSON "
                                    "(inspect without --json shows it)");
      }
    }
    std::vector<std::string> paths = c.files;
    paths.push_back(path);
    for (const std::string& p : paths) {
      if (first_invalid_utf8(p) != std::string_view::npos)
        throw_bad_input(p, "the path is not valid UTF-8 and cannot be listed as JSON");
    }
    nlohmann::ordered_json j;
    j["path"] = path;
    j["format"] = c.format;
    j["files"] = nlohmann::ordered_json::array();
    for (const std::string& f : c.files) j["files"].push_back(base_name(f));
    j["tensors"] = nlohmann::ordered_json::array();
    for (const Listed& t : c.tensors) {
      j["tensors"].push_back({{"name", t.name},
                              {"dtype", dtype_name(t.dtype)},
                              {"shape", t.shape},
                              {"bytes", t.bytes},
                              {"offset", t.offset},
                              {"file", t.file}});
    }
    j["tensor_count"] = c.tensors.size();
    j["parameters"] = params;
    j["bytes"] = bytes;
    out << j.dump(1) << "\n";
    return 0;
  }
  out << path << ": " << c.format << ", " << c.files.size()
      << (c.files.size() == 1 ? " file" : " files") << "\n";
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
