// Fuzz target: read_safetensors_file. An input that starts with '{' (after blanks) is a JSON
// header: the target frames it as a file (u64 length, header, a zero buffer as long as the
// largest data_offsets end, at most 1 MiB) so header mutations reach the tiling checks and the
// views. Any other input is a whole file. Every view returned must lie inside the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/safetensors_reader.h"
#include "fuzz_file.h"
#include "io/error.h"

namespace {

constexpr uint64_t kMaxBuffer = 1 << 20;

bool is_header_text(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '{') return true;
    if (data[i] != ' ' && data[i] != '\n' && data[i] != '\t' && data[i] != '\r') return false;
  }
  return false;
}

// The end of the data buffer the header describes: the largest data_offsets end.
uint64_t buffer_size(const nlohmann::json& header) {
  uint64_t end = 0;
  for (const auto& [name, entry] : header.items()) {
    if (!entry.is_object() || !entry.contains("data_offsets")) continue;
    const auto& offsets = entry["data_offsets"];
    if (offsets.is_array() && offsets.size() == 2 && offsets[1].is_number_unsigned()) {
      end = std::max(end, std::min(offsets[1].get<uint64_t>(), kMaxBuffer));
    }
  }
  return end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ckpt;
  std::vector<uint8_t> file;
  if (is_header_text(data, size)) {
    const auto header = nlohmann::json::parse(data, data + size, nullptr, false);
    const uint64_t buffer = header.is_object() ? buffer_size(header) : 0;
    for (int i = 0; i < 8; ++i) file.push_back(static_cast<uint8_t>(uint64_t{size} >> (8 * i)));
    file.insert(file.end(), data, data + size);
    file.resize(file.size() + buffer);
  } else {
    file.assign(data, data + size);
  }
  fuzz::MemFile mem(file.data(), file.size());
  if (!mem.ok()) return 0;
  try {
    const Checkpoint ck = read_safetensors_file(mem.path());
    fuzz::touch_views(ck);
  } catch (const Error&) {
  }
  return 0;
}
