#include "formats/sharded_index.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "formats/quote.h"
#include "formats/safetensors_reader.h"
#include "formats/strict_json.h"
#include "formats/torch_reader.h"
#include "io/error.h"
#include "io/mapped_file.h"

namespace ckpt {
namespace {

using json = nlohmann::json;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A shard must be a plain file beside the index: a name from a downloaded index must not
// reach elsewhere on the disk.
bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

struct Shard {
  std::string file;
  Checkpoint ckpt;
  std::unordered_map<std::string, const TensorView*> by_name;
};

}  // namespace

Checkpoint read_sharded_index(const std::string& index_path) {
  const std::string text = [&] {
    MappedFilePtr f = MappedFile::open(index_path);
    return std::string(reinterpret_cast<const char*>(f->data()), f->size());
  }();
  std::vector<std::string> order;  // weight_map keys as the file lists them
  const json index = parse_strict_json(index_path, text, "index", "weight_map", &order);
  if (!index.is_object()) throw_bad_input(index_path, "index is not a JSON object");
  if (index.contains("metadata") && !index["metadata"].is_object()) {
    throw_bad_input(index_path, "index \"metadata\" is not a JSON object");
  }
  auto wm = index.find("weight_map");
  if (wm == index.end()) throw_bad_input(index_path, "index has no \"weight_map\"");
  if (!wm->is_object()) throw_bad_input(index_path, "index \"weight_map\" is not a JSON object");
  if (wm->empty()) throw_bad_input(index_path, "index \"weight_map\" is empty");

  // Validate names and collect shards in order of first mention.
  std::vector<std::string> shard_names;
  std::map<std::string, size_t> shard_slot;
  for (const std::string& tensor : order) {
    const json& file = wm->at(tensor);
    if (!file.is_string()) {
      throw_bad_input(index_path, "weight_map entry of tensor " + ckpt::quoted(tensor) + " is " +
                                      std::string(file.type_name()) + ", not a file name");
    }
    const auto& name = file.get_ref<const std::string&>();
    if (!is_plain_file_name(name)) {
      throw_bad_input(index_path, "shard " + ckpt::quoted(name) + " (tensor " +
                                      ckpt::quoted(tensor) +
                                      ") is not a plain file name in the index's directory");
    }
    if (shard_slot.emplace(name, shard_names.size()).second) shard_names.push_back(name);
  }
  size_t safetensors_shards = 0;
  for (const std::string& name : shard_names) safetensors_shards += ends_with(name, ".safetensors");
  if (safetensors_shards != 0 && safetensors_shards != shard_names.size()) {
    throw_bad_input(index_path, "index mixes safetensors and pytorch shards");
  }
  const bool safetensors = safetensors_shards != 0;

  const std::filesystem::path dir = std::filesystem::path(index_path).parent_path();
  std::vector<Shard> shards(shard_names.size());
  Checkpoint out;
  out.format = safetensors ? "sharded-safetensors" : "sharded-pytorch";
  out.files.push_back(index_path);
  for (size_t i = 0; i < shard_names.size(); ++i) {
    Shard& s = shards[i];
    s.file = shard_names[i];
    const std::string path = (dir / s.file).string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) {  // a bad index, not an I/O failure
      throw_bad_input(index_path,
                      "shard " + ckpt::quoted(s.file) + " named by the weight_map does not exist");
    }
    s.ckpt = safetensors ? read_safetensors_file(path) : read_pytorch_file(path);
    for (const TensorView& t : s.ckpt.tensors) s.by_name.emplace(t.name, &t);
    out.files.push_back(path);
  }

  for (const std::string& tensor : order) {
    const json& file = wm->at(tensor);
    const Shard& s = shards[shard_slot.at(file.get_ref<const std::string&>())];
    auto it = s.by_name.find(tensor);
    if (it == s.by_name.end()) {
      throw_bad_input(index_path, "tensor " + ckpt::quoted(tensor) + " is mapped to shard " +
                                      ckpt::quoted(s.file) + ", which does not hold it");
    }
    out.tensors.push_back(*it->second);
  }
  for (const Shard& s : shards) {
    for (const TensorView& t : s.ckpt.tensors) {
      auto it = wm->find(t.name);
      if (it == wm->end()) {
        throw_bad_input(index_path, "shard " + ckpt::quoted(s.file) + " holds tensor " +
                                        ckpt::quoted(t.name) +
                                        ", which the weight_map does not list");
      }
      if (it->get_ref<const std::string&>() != s.file) {
        throw_bad_input(index_path, "shard " + ckpt::quoted(s.file) + " holds tensor " +
                                        ckpt::quoted(t.name) +
                                        ", which the weight_map assigns to shard " +
                                        ckpt::quoted(it->get_ref<const std::string&>()));
      }
    }
  }
  return out;
}

}  // namespace ckpt
