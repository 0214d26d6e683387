#include "convert/to_hf.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "convert/output_dir.h"
#include "convert/tensor_stream.h"
#include "formats/safetensors_writer.h"
#include "formats/tf_bundle_reader.h"
#include "formats/torch_zip_writer.h"
#include "io/error.h"
#include "io/output_file.h"
#include "io/read_ahead.h"
#include "models/gptj.h"
#include "models/params_yaml.h"

namespace ckpt {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEmbedding = "input_embedding/embedding_weights";
constexpr uint64_t kReadAheadBytes = uint64_t{1} << 30;  // see converter.cc

// Dimensions from params.yaml, or inferred from the variable shapes when it is missing (the
// attention head count, rotary size and positions are not in any shape: GPT-J 6B's are used).
GptjConfig read_config(const std::string& dir, const TfBundleReader& tf,
                       std::vector<std::string>& notes) {
  const std::string yaml = (fs::path(dir) / "params.yaml").string();
  if (fs::exists(yaml)) {
    std::ifstream in(yaml);
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_gptj_params_yaml(ss.str(), yaml).config;
  }
  const TfBundleEntry* emb = tf.find(kEmbedding);
  const TfBundleEntry* fc = tf.find("gptj_decoder/0/mlp/dense_layer/dense_layer/kernel");
  if (emb == nullptr || emb->shape.size() != 2 || fc == nullptr || fc->shape.size() != 2) {
    throw_bad_input(tf.index_path(),
                    "no params.yaml beside it and the variables do not look like GPT-J");
  }
  GptjConfig c;
  c.path = yaml;
  c.vocab_size = emb->shape[0];
  c.n_embd = emb->shape[1];
  c.n_inner = fc->shape[1];
  while (tf.find("gptj_decoder/" + std::to_string(c.n_layer) + "/ln_1/ln_1/gamma") != nullptr)
    ++c.n_layer;
  c.n_head = 16;
  c.rotary_dim = 64;
  c.n_positions = 2048;
  notes.push_back(
      "no params.yaml: n_head=16, rotary_dim=64, n_positions=2048 assumed (GPT-J 6B); "
      "check config.json");
  return c;
}

// HF's causal-mask buffer: tril(ones(P, P)) as bool, viewed [1, 1, P, P]. Written as a byte
// stream a buffer at a time, so a row longer than the buffer spans several buffers.
void write_causal_mask(WriteBehind& out, const TensorSpec& spec, int64_t p) {
  out.begin_tensor(spec);
  const auto size = static_cast<int64_t>(out.buffer_bytes());
  int64_t row = 0, col = 0;  // the next byte to write
  while (row < p) {
    uint8_t* buf = out.acquire();
    int64_t used = 0;
    while (used < size && row < p) {
      const int64_t n = std::min(p - col, size - used);  // bytes [col, col + n) of `row`
      const int64_t ones = std::clamp<int64_t>(row + 1 - col, 0, n);  // columns <= row
      std::memset(buf + used, 1, static_cast<size_t>(ones));
      std::memset(buf + used + ones, 0, static_cast<size_t>(n - ones));
      used += n;
      col += n;
      if (col == p) {
        col = 0;
        ++row;
      }
    }
    out.submit(buf, static_cast<size_t>(used));
  }
  out.end_tensor();
}

// HF's attn.masked_bias: the float32 scalar -1e9.
void write_masked_bias(WriteBehind& out, const TensorSpec& spec) {
  out.begin_tensor(spec);
  uint8_t* buf = out.acquire();
  const float v = -1e9f;
  std::memcpy(buf, &v, 4);
  out.submit(buf, 4);
  out.end_tensor();
}

}  // namespace

uint64_t parse_size(const std::string& text) {
  static const std::vector<std::pair<std::string, uint64_t>> units{
      {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"GB", 1000000000ull},
      {"MB", 1000000ull},  {"KB", 1000ull},     {"B", 1ull}};
  uint64_t scale = 1;
  std::string number = text;
  for (const auto& [suffix, s] : units) {
    if (text.size() > suffix.size() &&
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      number = text.substr(0, text.size() - suffix.size());
      scale = s;
      break;
    }
  }
  try {
    size_t used = 0;
    const unsigned long long n = std::stoull(number, &used);
    if (used == number.size() && n > 0 && n <= UINT64_MAX / scale) return n * scale;
  } catch (const std::exception&) {
  }
  throw_usage("'" + text + "' is not a size (examples: 5GB, 500MB, 2GiB, 1048576)");
}

ToHfResult convert_cs_to_hf(const ToHfOptions& opt, Progress& progress) {
  const std::string prefix = resolve_tf_prefix(opt.input_dir);
  if (prefix.empty())
    throw_bad_input(opt.input_dir,
                    "no TensorFlow checkpoint found (no checkpoint file or *.index)");
  const auto tf = TfBundleReader::open(prefix);
  ToHfResult result;
  GptjConfig config = read_config(opt.input_dir, *tf, result.notes);
  result.shared = opt.share_embeddings.value_or(tf->find("bias") != nullptr &&
                                                tf->find("lm_head/lm_head/kernel") == nullptr);
  config.tie_word_embeddings = false;  // lm_head.weight is always written out

  const auto rows = expand_table(gptj_table(), gptj_dims(config), result.shared);
  std::set<std::string> wanted;
  for (const MappedTensor& r : rows) {
    if (!r.tf_name.empty()) wanted.insert(r.tf_name);
  }
  for (const TfBundleEntry& e : tf->entries()) {
    if (wanted.count(e.name)) continue;
    if (opt.strict) {
      throw_bad_input(tf->index_path(),
                      "variable '" + e.name + "' is not part of a GPT-J checkpoint (--strict)");
    }
    result.skipped.push_back(e.name);
  }

  // Every HF tensor, in state_dict order, with where its bytes come from.
  struct Source {
    MappedTensor row;
    const TfBundleEntry* entry = nullptr;  // null for generated buffers
  };
  std::vector<Source> sources;
  std::vector<TensorSpec> specs;
  for (const MappedTensor& r : rows) {
    Source s{r, nullptr};
    const bool shared_head = r.hf_name == "lm_head.weight" && r.tf_name.empty();
    const std::string from = shared_head ? kEmbedding : r.tf_name;
    if (!from.empty()) {
      s.entry = tf->find(from);
      if (s.entry == nullptr) throw_bad_input(tf->index_path(), "missing variable '" + from + "'");
      const Shape want = shared_head ? r.hf_shape : r.tf_shape;
      if (s.entry->dtype != DType::kF32 || s.entry->shape != want) {
        throw_bad_input(tf->index_path(),
                        "variable '" + from + "' is " + std::string(dtype_name(s.entry->dtype)) +
                            " " + shape_to_string(s.entry->shape) + ", expected float32 " +
                            shape_to_string(want) + " from " + config.path);
      }
      if (shared_head) s.row.op = TensorOp::kCopy;  // the embedding is already [V, E]
    }
    const DType dtype = r.is_float ? DType::kF32 : DType::kBool;
    specs.push_back({r.hf_name, dtype, r.hf_shape});
    result.parameters += static_cast<uint64_t>(shape_numel(r.hf_shape));
    sources.push_back(std::move(s));
  }

  prepare_output_dir(opt.output_dir, opt.force);
  OutputFile config_json((fs::path(opt.output_dir) / "config.json").string());
  config_json.write(gptj_config_json(config));
  std::unique_ptr<TensorWriter> writer;
  if (opt.format == "bin") {
    writer =
        make_torch_zip_writer((fs::path(opt.output_dir) / "pytorch_model.bin").string(), specs);
  } else {
    SafetensorsOptions so;
    so.max_shard_bytes = opt.max_shard_bytes;
    writer = make_safetensors_writer(opt.output_dir, specs, so);
  }
  uint64_t total = 0;
  for (const TensorSpec& s : specs) total += s.byte_size();
  progress.start("to-hf", total);
  {
    Workers workers(opt.threads);
    WriteBehind out(*writer, opt.buffer_bytes, 2, progress);
    std::vector<TensorView> views(sources.size());
    std::vector<ReadAhead::Range> ranges;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].entry == nullptr) continue;
      views[i] = tf->view(*sources[i].entry);
      ranges.push_back({views[i].file, views[i].offset, views[i].byte_size()});
    }
    ReadAhead ahead(std::move(ranges), kReadAheadBytes);
    size_t streamed = 0;
    for (size_t i = 0; i < sources.size(); ++i) {
      const Source& s = sources[i];
      if (s.entry != nullptr) {
        // The stored crc is checked in the same pass (a trained checkpoint may have been
        // damaged since it was written); a mismatch fails before anything is committed.
        const uint32_t crc = stream_tensor_with_crc(views[i], s.row.op, specs[i], out, workers);
        check_tf_crc(*s.entry, views[i].file->path(), crc);
        ahead.consumed(++streamed);
      } else if (s.row.hf_shape.empty()) {
        write_masked_bias(out, specs[i]);
      } else {
        write_causal_mask(out, specs[i], config.n_positions);
      }
    }
    out.drain();
  }
  writer->finish();
  progress.finish();
  writer->commit();
  config_json.commit();
  result.tensors = specs.size();
  return result;
}

}  // namespace ckpt
