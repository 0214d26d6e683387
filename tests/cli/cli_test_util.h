// Helpers for end-to-end tests of the ckptconv binary: converting fixtures, hashing the TF
// variables it wrote, rewriting bundles to simulate damaged outputs.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/tf_bundle_reader.h"
#include "formats/tf_bundle_writer.h"
#include "io/sha256.h"
#include "test_util.h"

namespace ckpt {

// The files convert writes into its output directory, in the order a directory listing sorts.
inline const std::vector<std::string> kOutputFiles{"checkpoint",
                                                   "keys.json",
                                                   "params.yaml",
                                                   "shapes.json",
                                                   "tf_model.ckpt.data-00000-of-00001",
                                                   "tf_model.ckpt.index"};

// name -> sha256 of the raw bytes of every variable in the bundle at `dir`/tf_model.ckpt.
// The TF bundles in directories `a` and `b` are byte for byte the same (data and index).
inline void expect_same_bundle(const std::string& a, const std::string& b) {
  for (const char* f : {"/tf_model.ckpt.data-00000-of-00001", "/tf_model.ckpt.index"}) {
    EXPECT_TRUE(read_file(a + f) == read_file(b + f)) << a << " and " << b << " differ in " << f;
  }
}

inline std::map<std::string, std::string> bundle_hashes(const std::string& dir) {
  auto reader = TfBundleReader::open(dir + "/tf_model.ckpt");
  std::map<std::string, std::string> out;
  for (const TfBundleEntry& e : reader->entries()) {
    TensorView v = reader->view(e);
    Sha256 h;
    h.update(v.data(), v.byte_size());
    out[e.name] = h.hex_digest();
  }
  return out;
}

// name -> sha256 from an expected-cs*.json fixture (computed with real PyTorch).
inline std::map<std::string, std::string> expected_hashes(const std::string& json_path) {
  const auto j = nlohmann::json::parse(read_file(json_path));
  std::map<std::string, std::string> out;
  for (const auto& [name, v] : j.items()) {
    if (name != "param_count") out[name] = v["sha256"].get<std::string>();
  }
  return out;
}

// Copies the bundle in `from_dir` to `to_dir`, letting `edit` drop (return false), change the
// bytes of, or add tensors. The `checkpoint` and side files are copied as they are.
inline void rewrite_bundle(
    const std::string& from_dir, const std::string& to_dir,
    const std::function<bool(const std::string& name, std::string& bytes)>& edit,
    const std::map<std::string, std::string>& extra_float_tensors = {}) {
  std::filesystem::create_directories(to_dir);
  for (const char* f : {"checkpoint", "keys.json", "shapes.json", "params.yaml"}) {
    std::filesystem::copy_file(from_dir + "/" + f, to_dir + "/" + f,
                               std::filesystem::copy_options::overwrite_existing);
  }
  auto reader = TfBundleReader::open(from_dir + "/tf_model.ckpt");
  auto writer = make_tf_bundle_writer(to_dir + "/tf_model.ckpt");
  for (const TfBundleEntry& e : reader->entries()) {
    TensorView v = reader->view(e);
    std::string bytes(reinterpret_cast<const char*>(v.data()), v.byte_size());
    if (!edit(e.name, bytes)) continue;
    writer->begin_tensor({e.name, e.dtype, e.shape});
    writer->append({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    writer->end_tensor();
  }
  for (const auto& [name, bytes] : extra_float_tensors) {
    writer->begin_tensor({name, DType::kF32, {static_cast<int64_t>(bytes.size() / 4)}});
    writer->append({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    writer->end_tensor();
  }
  writer->finish();
  writer->commit();
}

}  // namespace ckpt
