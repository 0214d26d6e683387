#include "formats/safetensors_writer.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "formats/safetensors_dtype.h"
#include "io/direct_appender.h"
#include "io/error.h"
#include "io/output_file.h"

namespace ckpt {
namespace {

// A JSON string literal. `ascii_only` escapes every non-ASCII character as \uXXXX (UTF-16),
// as Python's json.dumps does for the HF index; otherwise UTF-8 passes through, as the
// safetensors library (serde_json) writes its header.
std::string json_quote(const std::string& s, bool ascii_only) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<uint8_t>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80 || !ascii_only) {
      out += static_cast<char>(c);
    } else {
      // Decode one UTF-8 sequence (names come from files we validated or from our own tables;
      // a stray byte is escaped as itself rather than dropped).
      uint32_t cp = c;
      size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (len > 1 && i + len <= s.size()) {
        cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
        i += len - 1;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
                      0xDC00 + (cp & 0x3FF));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      }
      out += buf;
    }
  }
  return out + "\"";
}

struct Placed {
  TensorSpec spec;
  size_t shard = 0;
  uint64_t begin = 0;  // within its shard's data buffer
};

// Compact JSON, `__metadata__` first, tensors in the order given, padded with spaces to a
// multiple of 8 so the data buffer starts aligned (the safetensors library does the same).
std::string header_json(const std::map<std::string, std::string>& metadata,
                        const std::vector<const Placed*>& tensors) {
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) h += ",";
      first = false;
      h += json_quote(k, false) + ":" + json_quote(v, false);
    }
    h += "}";
  }
  for (const Placed* t : tensors) {
    if (h.size() > 1) h += ",";
    h += json_quote(t->spec.name, false) + ":{\"dtype\":\"" +
         std::string(*safetensors_dtype_name(t->spec.dtype)) + "\",\"shape\":[";
    for (size_t i = 0; i < t->spec.shape.size(); ++i) {
      if (i > 0) h += ",";
      h += std::to_string(t->spec.shape[i]);
    }
    h += "],\"data_offsets\":[" + std::to_string(t->begin) + "," +
         std::to_string(t->begin + t->spec.byte_size()) + "]}";
  }
  h += "}";
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((h.size() >> (8 * i)) & 0xFF);
  return out + h;
}

std::string shard_name(size_t i, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
  return buf;
}

// Python's json.dumps(index, indent=2, sort_keys=True) + "\n", as transformers writes it.
std::string index_json(uint64_t total_size, const std::vector<Placed>& placed,
                       const std::vector<std::string>& shard_names) {
  std::vector<const Placed*> sorted;
  sorted.reserve(placed.size());
  for (const Placed& p : placed) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(),
            [](const Placed* a, const Placed* b) { return a->spec.name < b->spec.name; });
  std::string j = "{\n  \"metadata\": {\n    \"total_size\": " + std::to_string(total_size) +
                  "\n  },\n  \"weight_map\": {";
  for (size_t i = 0; i < sorted.size(); ++i) {
    j += i == 0 ? "\n" : ",\n";
    j += "    " + json_quote(sorted[i]->spec.name, true) + ": " +
         json_quote(shard_names[sorted[i]->shard], true);
  }
  j += sorted.empty() ? "}\n}\n" : "\n  }\n}\n";
  return j;
}

class SafetensorsWriter final : public TensorWriter {
 public:
  SafetensorsWriter(std::string dir, std::vector<TensorSpec> specs,
                    const SafetensorsOptions& options)
      : dir_(std::move(dir)), metadata_(options.metadata) {
    std::set<std::string> names;
    for (TensorSpec& s : specs) {
      const std::string where = dir_ + "/model.safetensors";
      if (!safetensors_dtype_name(s.dtype)) {
        throw_bad_input(where, "tensor '" + s.name + "' has dtype " +
                                   std::string(dtype_name(s.dtype)) +
                                   ", which safetensors cannot hold");
      }
      if (s.name == "__metadata__") {
        throw_bad_input(where, "a tensor cannot be named '__metadata__' in safetensors");
      }
      if (shape_numel(s.shape) < 0 || shape_numel(s.shape) > (int64_t{1} << 60)) {
        throw_bad_input(where,
                        "tensor '" + s.name + "' has invalid shape " + shape_to_string(s.shape));
      }
      if (!names.insert(s.name).second) {
        throw_bad_input(where, "tensor '" + s.name + "' is given twice");
      }
      placed_.push_back({std::move(s), 0, 0});
    }
    plan_shards(options.max_shard_bytes);
    for (size_t i = 0; i < shard_names_.size(); ++i) {
      std::vector<const Placed*> members;
      for (const Placed& p : placed_) {
        if (p.shard == i) members.push_back(&p);
      }
      headers_.push_back(header_json(metadata_, members));
    }
  }

  std::optional<uint64_t> planned_data_offset(size_t index) const override {
    if (index >= placed_.size()) return std::nullopt;
    const Placed& p = placed_[index];
    return headers_[p.shard].size() + p.begin;
  }

  void begin_tensor(const TensorSpec& spec) override {
    if (in_tensor_) throw_bad_input(current_path(), "begin_tensor before end_tensor");
    if (next_ >= placed_.size()) {
      throw_bad_input(current_path(), "tensor '" + spec.name + "' was not declared");
    }
    const TensorSpec& want = placed_[next_].spec;
    if (spec.name != want.name || spec.dtype != want.dtype || spec.shape != want.shape) {
      throw_bad_input(current_path(), "tensor '" + spec.name + "' " +
                                          std::string(dtype_name(spec.dtype)) +
                                          shape_to_string(spec.shape) + " arrives where '" +
                                          want.name + "' " + std::string(dtype_name(want.dtype)) +
                                          shape_to_string(want.shape) + " was declared");
    }
    open_shard(placed_[next_].shard);
    in_tensor_ = true;
    written_ = 0;
  }

  void append(std::span<const uint8_t> bytes) override {
    if (!in_tensor_) throw_bad_input(current_path(), "append outside a tensor");
    const TensorSpec& spec = placed_[next_].spec;
    if (bytes.size() > spec.byte_size() - written_) {
      throw_bad_input(current_path(), "tensor '" + spec.name + "' got more than its " +
                                          std::to_string(spec.byte_size()) + " bytes");
    }
    written_ += bytes.size();
    appender_->append(bytes);  // large aligned blocks with direct I/O
  }

  void end_tensor() override {
    if (!in_tensor_) throw_bad_input(current_path(), "end_tensor outside a tensor");
    const TensorSpec& spec = placed_[next_].spec;
    if (written_ != spec.byte_size()) {
      throw_bad_input(current_path(), "tensor '" + spec.name + "' got " + std::to_string(written_) +
                                          " of its " + std::to_string(spec.byte_size()) + " bytes");
    }
    in_tensor_ = false;
    ++next_;
  }

  void finish() override {
    if (in_tensor_ || next_ != placed_.size()) {
      const std::string missing = next_ < placed_.size() ? placed_[next_].spec.name : "";
      throw_bad_input(current_path(), "finish before tensor '" + missing + "' was written");
    }
    open_shard(shard_names_.size() - 1);  // a checkpoint with no tensors still gets its file
    flush();
    if (shard_names_.size() > 1) {
      uint64_t total = 0;
      for (const Placed& p : placed_) total += p.spec.byte_size();
      index_ = std::make_unique<OutputFile>(dir_ + "/model.safetensors.index.json");
      index_->write(index_json(total, placed_, shard_names_));
    }
    finished_ = true;
  }

  void commit() override {
    if (!finished_) throw_bad_input(current_path(), "commit before finish");
    for (auto& f : files_) f->commit();
    if (index_) index_->commit();  // last: the index appears only once its shards exist
  }

 private:
  // HF's rule: tensors in order, a new shard when the next tensor would push the current one
  // past the limit (a tensor larger than the limit gets a shard of its own).
  void plan_shards(uint64_t max_bytes) {
    size_t shard = 0;
    uint64_t used = 0;
    size_t in_shard = 0;
    for (Placed& p : placed_) {
      const uint64_t size = p.spec.byte_size();
      if (max_bytes != 0 && in_shard > 0 && used + size > max_bytes) {
        ++shard;
        used = 0;
        in_shard = 0;
      }
      p.shard = shard;
      p.begin = used;
      used += size;
      ++in_shard;
    }
    const size_t n = shard + 1;
    for (size_t i = 0; i < n; ++i) {
      shard_names_.push_back(n == 1 ? "model.safetensors" : shard_name(i, n));
    }
  }

  std::string current_path() const {
    return dir_ + "/" +
           shard_names_[std::min(files_.empty() ? 0 : files_.size() - 1, shard_names_.size() - 1)];
  }

  // Opens shards up to `shard`, each starting with its header (every spec is known up front).
  void open_shard(size_t shard) {
    while (files_.size() <= shard) {
      flush();
      const size_t i = files_.size();
      files_.push_back(std::make_unique<OutputFile>(dir_ + "/" + shard_names_[i]));
      appender_ = std::make_unique<DirectAppender>(*files_.back());
      const std::string& header = headers_[i];
      appender_->append({reinterpret_cast<const uint8_t*>(header.data()), header.size()});
    }
  }

  void flush() {
    if (appender_ != nullptr) appender_->flush();
  }

  std::string dir_;
  std::map<std::string, std::string> metadata_;
  std::vector<Placed> placed_;
  std::vector<std::string> shard_names_;
  std::vector<std::string> headers_;  // each shard's, length prefix included
  std::vector<std::unique_ptr<OutputFile>> files_;
  std::unique_ptr<OutputFile> index_;
  std::unique_ptr<DirectAppender> appender_;  // for the shard being written
  size_t next_ = 0;
  uint64_t written_ = 0;
  bool in_tensor_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<TensorWriter> make_safetensors_writer(const std::string& dir,
                                                      std::vector<TensorSpec> specs,
                                                      const SafetensorsOptions& options) {
  return std::make_unique<SafetensorsWriter>(dir, std::move(specs), options);
}

}  // namespace ckpt
