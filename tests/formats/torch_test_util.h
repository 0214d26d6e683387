// Helpers for the PyTorch reader tests: gather a (possibly strided) view into C-contiguous
// bytes, hash it, compare a checkpoint against a fixture's tensors.json, and build small zip
// archives and pickles by hand.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "formats/checkpoint.h"
#include "io/sha256.h"
#include "tensor_test_util.h"
#include "test_util.h"

namespace ckpt::torch_test {

// The view's elements in row-major order, walking its strides.
inline std::string gather(const TensorView& v) { return ckpt::contiguous_bytes(v); }

inline std::string view_sha256(const TensorView& v) { return sha256_hex(gather(v)); }

// Every tensor of `tensors` matches tensors.json exactly: same names in the same order, dtype,
// shape and the sha256 of the contiguous bytes.
inline void expect_matches_json(const std::vector<TensorView>& tensors,
                                const std::string& json_path) {
  const auto expected = nlohmann::ordered_json::parse(read_file(json_path));
  ASSERT_EQ(tensors.size(), expected.size()) << json_path;
  size_t i = 0;
  for (const auto& [name, want] : expected.items()) {
    const TensorView& v = tensors[i++];
    EXPECT_EQ(v.name, name);
    EXPECT_EQ(std::string(dtype_name(v.dtype)), want["dtype"].get<std::string>()) << name;
    EXPECT_EQ(v.shape, want["shape"].get<Shape>()) << name;
    EXPECT_EQ(view_sha256(v), want["sha256"].get<std::string>()) << name;
  }
}

inline void put16(std::string& s, uint32_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
inline void put32(std::string& s, uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}
inline void put64(std::string& s, uint64_t v) {
  put32(s, static_cast<uint32_t>(v));
  put32(s, static_cast<uint32_t>(v >> 32));
}

struct ZipSpec {
  ZipSpec(std::string n, std::string d, uint16_t m = 0, std::string local = {})
      : name(std::move(n)), data(std::move(d)), method(m), local_name(std::move(local)) {}
  std::string name;
  std::string data;
  uint16_t method = 0;
  std::string local_name;  // empty: same as name
};

// A minimal stored zip (no ZIP64) with one local header + central entry per spec.
inline std::string make_zip(const std::vector<ZipSpec>& specs) {
  std::string out, cd;
  for (const ZipSpec& s : specs) {
    const std::string& lname = s.local_name.empty() ? s.name : s.local_name;
    const auto local = static_cast<uint32_t>(out.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);
    put16(out, s.method);
    put32(out, 0);  // time, date
    put32(out, 0);  // crc (not checked)
    put32(out, static_cast<uint32_t>(s.data.size()));
    put32(out, static_cast<uint32_t>(s.data.size()));
    put16(out, static_cast<uint32_t>(lname.size()));
    put16(out, 0);
    out += lname;
    out += s.data;
    put32(cd, 0x02014b50);
    put16(cd, 20);
    put16(cd, 20);
    put16(cd, 0);
    put16(cd, s.method);
    put32(cd, 0);
    put32(cd, 0);
    put32(cd, static_cast<uint32_t>(s.data.size()));
    put32(cd, static_cast<uint32_t>(s.data.size()));
    put16(cd, static_cast<uint32_t>(s.name.size()));
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0);
    put32(cd, local);
    cd += s.name;
  }
  const auto cd_offset = static_cast<uint32_t>(out.size());
  out += cd;
  put32(out, 0x06054b50);
  put32(out, 0);
  put16(out, static_cast<uint32_t>(specs.size()));
  put16(out, static_cast<uint32_t>(specs.size()));
  put32(out, static_cast<uint32_t>(cd.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

// Pickle building blocks (protocol 2).
inline std::string p_unicode(const std::string& s) {
  std::string out = "X";
  put32(out, static_cast<uint32_t>(s.size()));
  return out + s;
}
inline std::string p_int(uint32_t v) {
  std::string out = "J";
  put32(out, v);
  return out;
}
inline std::string p_global(const std::string& module, const std::string& name) {
  return "c" + module + "\n" + name + "\n";
}

// A protocol-2 state-dict pickle: OrderedDict of tensors given as (name, storage class, key,
// storage numel, storage offset, shape, stride).
struct PickleTensor {
  std::string name;
  std::string storage_class = "FloatStorage";
  std::string key = "0";
  uint32_t numel = 0;
  uint32_t offset = 0;
  std::vector<uint32_t> shape;
  std::vector<uint32_t> stride;
  std::string view_metadata;  // legacy files: pickle of the 6th persistent id item ("N", ...)
};

inline std::string state_dict_pickle(const std::vector<PickleTensor>& tensors) {
  std::string p = "\x80\x02" + p_global("collections", "OrderedDict") + ")R";
  for (const PickleTensor& t : tensors) {
    p += p_unicode(t.name);
    p += p_global("torch._utils", "_rebuild_tensor_v2");
    p += "((" + p_unicode("storage") + p_global("torch", t.storage_class) + p_unicode(t.key) +
         p_unicode("cpu") + p_int(t.numel) + t.view_metadata + "tQ";
    p += p_int(t.offset);
    p += "(";
    for (uint32_t d : t.shape) p += p_int(d);
    p += "t(";
    for (uint32_t d : t.stride) p += p_int(d);
    p += "t\x89" + p_global("collections", "OrderedDict") + ")RtR";
    p += "s";
  }
  return p + ".";
}

// A legacy torch.save file: magic, protocol 1001, sys_info, `objects`, the key list, then per
// key an int64 element count and the raw bytes.
inline std::string legacy_file(const std::string& objects,
                               const std::vector<std::pair<std::string, std::string>>& storages,
                               const std::string& sys_info = "\x80\x02}.",
                               const std::vector<int64_t>& counts = {}) {
  std::string out("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  out += "\x80\x02M\xe9\x03.";
  out += sys_info;
  out += objects;
  out += "\x80\x02](";
  for (const auto& [key, bytes] : storages) out += p_unicode(key);
  out += "e.";
  for (size_t i = 0; i < storages.size(); ++i) {
    const std::string& bytes = storages[i].second;
    put64(out, i < counts.size() ? static_cast<uint64_t>(counts[i]) : bytes.size() / 4);
    out += bytes;
  }
  return out;
}

}  // namespace ckpt::torch_test
