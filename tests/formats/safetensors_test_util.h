// Helpers for the safetensors / sharded / discovery / writer tests: hand-built safetensors
// files, sha256 of a tensor view's C-contiguous bytes, and the fixtures' tensors.json.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/tensor_view.h"
#include "tensor_test_util.h"
#include "test_util.h"

namespace ckpt::testing {

// "<8-byte LE length><header><data>".
inline std::string safetensors_blob(const std::string& header, const std::string& data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return out + header + data;
}

inline std::string sha256_hex(const uint8_t* p, size_t n) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

inline std::string sha256_hex(const std::string& s) {
  return sha256_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// The view's elements gathered in row-major order (honours offset and strides).

inline nlohmann::ordered_json load_json(const std::string& path) {
  return nlohmann::ordered_json::parse(read_file(path));
}

// Every tensor of `ckpt` matches tensors.json (dtype, shape, sha256) and none is missing.
inline void expect_matches_tensors_json(const Checkpoint& ckpt, const std::string& json_path) {
  const auto expected = load_json(json_path);
  ASSERT_EQ(ckpt.tensors.size(), expected.size()) << json_path;
  for (const TensorView& t : ckpt.tensors) {
    ASSERT_TRUE(expected.contains(t.name)) << t.name;
    const auto& e = expected[t.name];
    EXPECT_EQ(std::string(dtype_name(t.dtype)), e["dtype"].get<std::string>()) << t.name;
    EXPECT_EQ(t.shape, e["shape"].get<Shape>()) << t.name;
    EXPECT_EQ(sha256_hex(contiguous_bytes(t)), e["sha256"].get<std::string>()) << t.name;
  }
}

// The names of tensors.json in its own (state-dict) order.
inline std::vector<std::string> tensors_json_names(const std::string& json_path) {
  std::vector<std::string> names;
  const auto json = load_json(json_path);
  for (const auto& [k, v] : json.items()) names.push_back(k);
  return names;
}

inline std::vector<std::string> names_of(const Checkpoint& ckpt) {
  std::vector<std::string> names;
  for (const TensorView& t : ckpt.tensors) names.push_back(t.name);
  return names;
}

}  // namespace ckpt::testing
