#include "formats/safetensors_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "formats/git_lfs_pointer.h"
#include "formats/quote.h"
#include "formats/safetensors_dtype.h"
#include "formats/strict_json.h"
#include "io/error.h"
#include "io/mapped_file.h"

namespace ckpt {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;

std::string hex_byte(uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
}

json parse_header(const std::string& path, std::string_view text) {
  const size_t bad = first_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    throw_bad_input(path, "safetensors header is not valid UTF-8 (byte " +
                              hex_byte(static_cast<uint8_t>(text[bad])) + " at header offset " +
                              std::to_string(bad) + ")");
  }
  json header = parse_strict_json(path, text, "safetensors header");
  if (!header.is_object()) throw_bad_input(path, "safetensors header is not a JSON object");
  return header;
}

// A JSON value for an error message: its text, cut short so a hostile header cannot make the
// message huge.
std::string brief(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  return text;
}

struct Entry {
  std::string name;
  uint64_t begin;
  uint64_t end;
  TensorView view;
};

std::string range_text(uint64_t b, uint64_t e) {
  return "[" + std::to_string(b) + ", " + std::to_string(e) + "]";
}

bool is_count(const json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

// The entry for tensor `name`, whose data buffer is `buffer_size` bytes from `data_start`.
Entry parse_entry(const MappedFilePtr& file, uint64_t data_start, uint64_t buffer_size,
                  const std::string& name, const json& v) {
  const std::string& path = file->path();
  const std::string where = "tensor " + ckpt::quoted(name);
  if (!v.is_object()) throw_bad_input(path, where + ": header entry is not a JSON object");
  auto field = [&](const char* key) -> const json& {
    auto it = v.find(key);
    if (it == v.end()) throw_bad_input(path, where + ": header entry has no \"" + key + "\"");
    return *it;
  };
  Entry e{name, 0, 0, {}};
  DType dt_value = DType::kF32;
  Shape shape_value;

  const json& dtype = field("dtype");
  if (!dtype.is_string()) throw_bad_input(path, where + ": \"dtype\" is not a string");
  const auto& dtype_text = dtype.get_ref<const std::string&>();
  auto dt = safetensors_dtype_from_name(dtype_text);
  if (!dt) {
    throw_bad_input(path, where + " has unsupported dtype " + ckpt::quoted(dtype_text) +
                              " (supported: " + std::string(kSafetensorsSupportedDtypes) + ")");
  }
  dt_value = *dt;

  const json& shape = field("shape");
  if (!shape.is_array()) throw_bad_input(path, where + ": \"shape\" is not an array");
  for (const json& d : shape) {
    if (!is_count(d) || d.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      throw_bad_input(path,
                      where + ": \"shape\" holds " + brief(d) + ", not a non-negative integer");
    }
    shape_value.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }

  const json& offsets = field("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !is_count(offsets[0]) ||
      !is_count(offsets[1])) {
    throw_bad_input(path, where + ": \"data_offsets\" is " + brief(offsets) +
                              ", not two non-negative integers");
  }
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  const std::string offsets_text = "data_offsets " + range_text(e.begin, e.end);
  if (e.begin > e.end)
    throw_bad_input(path, where + " has " + offsets_text + " with begin after end");
  if (e.end > buffer_size) {
    throw_bad_input(path, where + " has " + offsets_text + " beyond the end of the data buffer (" +
                              std::to_string(buffer_size) + " bytes)");
  }
  // Overflowing shapes (want < 0) are left to TensorView::make, the one place that reports them.
  const int64_t want = shape_bytes(shape_value, dt_value);
  if (want >= 0 && static_cast<uint64_t>(want) != e.end - e.begin) {
    throw_bad_input(path, where + " has shape " + shape_to_string(shape_value) + " of " +
                              dtype_text + " (" + std::to_string(want) + " bytes) but " +
                              offsets_text + " span " + std::to_string(e.end - e.begin) + " bytes");
  }
  e.view = TensorView::make(name, dt_value, std::move(shape_value), std::nullopt, file,
                            data_start + e.begin,
                            ByteRegion{data_start + e.begin, e.end - e.begin, offsets_text});
  return e;
}

void check_metadata(const std::string& path, const json& metadata) {
  if (!metadata.is_object()) {
    throw_bad_input(path, "safetensors __metadata__ is not a JSON object of strings");
  }
  for (const auto& [key, value] : metadata.items()) {
    if (!value.is_string()) {
      throw_bad_input(path, "safetensors __metadata__ value of " + ckpt::quoted(key) + " is " +
                                std::string(value.type_name()) + ", not a string");
    }
  }
}

// Entries sorted by begin must cover [0, buffer_size) exactly: each starts where the previous
// ended. Anything else is a gap (bytes nobody owns) or an overlap (bytes two tensors share).
void check_tiling(const std::string& path, const std::vector<Entry>& entries,
                  uint64_t buffer_size) {
  uint64_t at = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : entries) {
    if (e.begin > at) {
      if (prev == nullptr) {
        throw_bad_input(path, "gap in the data buffer: bytes [0, " + std::to_string(e.begin) +
                                  ") before tensor " + ckpt::quoted(e.name) +
                                  " belong to no tensor");
      }
      throw_bad_input(path, "gap in the data buffer: bytes [" + std::to_string(at) + ", " +
                                std::to_string(e.begin) + ") between tensor " +
                                ckpt::quoted(prev->name) + " and tensor " + ckpt::quoted(e.name) +
                                " belong to no tensor");
    }
    if (e.begin < at) {
      throw_bad_input(path, "tensors " + ckpt::quoted(prev->name) + " " +
                                range_text(prev->begin, prev->end) + " and " +
                                ckpt::quoted(e.name) + " " + range_text(e.begin, e.end) +
                                " overlap in the data buffer");
    }
    // A zero-byte tensor does not move `at`; the neighbour named in errors is the last tensor
    // that did.
    if (e.end > e.begin || prev == nullptr) prev = &e;
    at = e.end;
  }
  if (at < buffer_size) {
    if (prev == nullptr) {
      throw_bad_input(
          path, "the data buffer holds " + std::to_string(buffer_size) + " bytes but no tensor");
    }
    throw_bad_input(path, "gap in the data buffer: bytes [" + std::to_string(at) + ", " +
                              std::to_string(buffer_size) + ") after tensor " +
                              ckpt::quoted(prev->name) + " belong to no tensor");
  }
}

}  // namespace

Checkpoint read_safetensors_file(const std::string& path) {
  return read_safetensors_file(MappedFile::open(path));
}

Checkpoint read_safetensors_file(const MappedFilePtr& file) {
  if (file == nullptr) throw std::invalid_argument("read_safetensors_file: no file");
  const std::string& path = file->path();
  if (file->size() < 8) {
    throw_bad_input(path, "file is " + std::to_string(file->size()) +
                              " bytes, too short for a safetensors header length (8 bytes)");
  }
  refuse_git_lfs_pointer(*file);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | file->data()[i];
  if (header_len > kMaxHeaderBytes) {
    throw_bad_input(path, "safetensors header length " + std::to_string(header_len) +
                              " exceeds the " + std::to_string(kMaxHeaderBytes) + " byte limit");
  }
  if (8 + header_len > file->size()) {
    throw_bad_input(path, "safetensors header length " + std::to_string(header_len) +
                              " runs past the end of the file (" + std::to_string(file->size()) +
                              " bytes)");
  }
  const std::string_view text(reinterpret_cast<const char*>(file->data()) + 8, header_len);
  const json header = parse_header(path, text);

  const uint64_t data_start = 8 + header_len;
  const uint64_t buffer_size = file->size() - data_start;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      check_metadata(path, value);
      continue;
    }
    entries.push_back(parse_entry(file, data_start, buffer_size, key, value));
  }
  // Equal offsets (zero-byte tensors) keep name order.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  check_tiling(path, entries, buffer_size);

  Checkpoint ckpt;
  ckpt.format = "safetensors";
  ckpt.files.push_back(path);
  ckpt.tensors.reserve(entries.size());
  for (Entry& e : entries) ckpt.tensors.push_back(std::move(e.view));
  return ckpt;
}

}  // namespace ckpt
