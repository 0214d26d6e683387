#include "convert/to_hf.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "convert/hf_buffers.h"
#include "convert/hf_plan.h"
#include "convert/output_dir.h"
#include "convert/tensor_stream.h"
#include "formats/quote.h"
#include "formats/safetensors_writer.h"
#include "formats/tf_bundle_reader.h"
#include "formats/torch_zip_writer.h"
#include "io/drop_behind.h"
#include "io/error.h"
#include "io/interrupt.h"
#include "io/output_file.h"
#include "models/registry.h"

namespace ckpt {
namespace {

namespace fs = std::filesystem;

TableBounds bundle_bounds(const TfBundleReader& tf) {
  TableBounds b;
  b.side = TableBounds::Side::kTf;
  b.file = tf.index_path();
  b.tensors = tf.entries().size();
  b.bytes = 0;  // the data shards' sizes, not what the index claims
  const fs::path prefix(tf.index_path().substr(0, tf.index_path().size() - 6));  // no ".index"
  const std::string data = prefix.filename().string() + ".data-";
  std::error_code ec;
  for (const auto& f :
       fs::directory_iterator(prefix.parent_path().empty() ? "." : prefix.parent_path(), ec)) {
    if (f.path().filename().string().rfind(data, 0) == 0) b.bytes += f.file_size(ec);
  }
  b.min_item = 4;  // every model variable is float32
  return b;
}

// An HF tensor whose rows come from several variables (or from one, reordered): a buffer of
// HF rows at a time, each variable's needed logical rows read into a staging block first.
void stream_gathered(const TfBundleReader& tf, const HfTensorPlan& t, WriteBehind& out,
                     Workers& workers) {
  const int64_t hf_rows = t.spec.shape.at(0);
  const int64_t cols = hf_rows == 0 ? 0 : shape_numel(t.spec.shape) / hf_rows;
  std::vector<TensorView> views;
  for (const HfSource& s : t.sources) views.push_back(tf.view(*s.entry));
  const int64_t chunk = std::max<int64_t>(
      1, static_cast<int64_t>(out.buffer_bytes()) / std::max<int64_t>(1, cols * 4));
  std::vector<std::vector<uint32_t>> staging(views.size());
  std::vector<int64_t> lo(views.size()), hi(views.size());
  out.begin_tensor(t.spec);
  for (int64_t i0 = 0; i0 < hf_rows;) {
    check_interrupted();
    int64_t n = std::min(chunk, hf_rows - i0);
    for (;;) {  // the logical rows each variable gives to HF rows [i0, i0 + n)
      std::fill(lo.begin(), lo.end(), INT64_MAX);
      std::fill(hi.begin(), hi.end(), -1);
      for (int64_t i = i0; i < i0 + n; ++i) {
        const HfRowOrigin& o = t.row_origin[static_cast<size_t>(i)];
        lo[o.source] = std::min(lo[o.source], o.row);
        hi[o.source] = std::max(hi[o.source], o.row + 1);
      }
      int64_t staged = 0;
      for (size_t s = 0; s < views.size(); ++s) staged += std::max<int64_t>(0, hi[s] - lo[s]);
      if (staged <= 2 * chunk || n == 1) break;
      n /= 2;  // rows spread too far apart: fewer at a time keeps staging bounded
    }
    for (size_t s = 0; s < views.size(); ++s) {
      if (hi[s] <= lo[s]) continue;
      staging[s].resize(static_cast<size_t>((hi[s] - lo[s]) * cols));
      read_logical_rows(views[s], t.sources[s].op, lo[s], hi[s], staging[s].data(), workers);
    }
    // Rows go out as a byte stream: a row wider than the buffer spans several buffers.
    uint8_t* buf = out.acquire();
    size_t used = 0;
    for (int64_t i = i0; i < i0 + n; ++i) {
      const HfRowOrigin& o = t.row_origin[static_cast<size_t>(i)];
      const auto* row = reinterpret_cast<const uint8_t*>(staging[o.source].data() +
                                                         (o.row - lo[o.source]) * cols);
      for (size_t done = 0, bytes = static_cast<size_t>(cols) * 4; done < bytes;) {
        if (used == out.buffer_bytes()) {
          out.submit(buf, used);
          buf = out.acquire();
          used = 0;
        }
        const size_t take = std::min(bytes - done, out.buffer_bytes() - used);
        std::memcpy(buf + used, row + done, take);
        used += take;
        done += take;
      }
    }
    out.submit(buf, used);
    i0 += n;
  }
  out.end_tensor();
  for (const TensorView& v : views) v.file->release(v.offset, v.byte_size());
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
  const VariableShape variable = [&](const std::string& name) -> const Shape* {
    const TfBundleEntry* e = tf->find(name);
    return e == nullptr ? nullptr : &e->shape;
  };
  const ModelSpec model =
      read_cs_model((fs::path(opt.input_dir) / "params.yaml").string(), variable, tf->index_path());
  result.notes = model.notes;
  const ModelTable& table = model.family->table();
  result.shared = opt.share_embeddings.value_or(tf->find(table.unshared_marker) == nullptr);

  const auto rows = expand_table(table, model.dims, result.shared, bundle_bounds(*tf));
  std::set<std::string> wanted;
  for (const MappedTensor& r : rows) {
    if (!r.tf_name.empty()) wanted.insert(r.tf_name);
  }
  for (const TfBundleEntry& e : tf->entries()) {
    if (wanted.count(e.name)) continue;
    if (opt.strict) {
      throw_bad_input(tf->index_path(), "variable " + quoted(e.name) + " is not part of a " +
                                            std::string(model.family->display_name()) +
                                            " checkpoint (--strict)");
    }
    result.skipped.push_back(e.name);
  }
  const std::vector<HfTensorPlan> plan = make_hf_plan(rows, *tf, model.params.source);
  std::vector<TensorSpec> specs;
  for (const HfTensorPlan& t : plan) {
    specs.push_back(t.spec);
    result.parameters += static_cast<uint64_t>(shape_numel(t.spec.shape));
  }

  prepare_output_dir(opt.output_dir, opt.force);
  OutputFile config_json((fs::path(opt.output_dir) / "config.json").string());
  CsParams params = model.params;
  params.share_embedding_weights = result.shared;
  config_json.write(model.family->hf_config_json(params));
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
    std::vector<DropBehind::Range> ranges;
    for (const HfTensorPlan& t : plan) {
      for (const HfSource& s : t.sources) {
        const TensorView view = tf->view(*s.entry);
        ranges.push_back({view.file, view.offset, view.byte_size()});
      }
    }
    DropBehind behind(std::move(ranges));
    size_t consumed = 0;
    for (const HfTensorPlan& t : plan) {
      // A trained checkpoint may have been damaged since it was written: every variable's
      // stored crc32c is checked, and a mismatch fails before anything is committed.
      if (t.sources.empty()) {
        write_hf_buffer(t.buffer, t.spec, out);
      } else if (t.row_origin.empty()) {  // one variable, rows in order: checked in the same pass
        const HfSource& s = t.sources.front();
        const TensorView view = tf->view(*s.entry);
        check_tf_crc(*s.entry, view.file->path(),
                     stream_tensor_with_crc(view, s.op, t.spec, out, workers));
      } else {  // rows from several variables: each checked whole first
        for (const HfSource& s : t.sources) tf->verify_crc(*s.entry);
        stream_gathered(*tf, t, out, workers);
      }
      consumed += t.sources.size();
      behind.consumed(consumed);
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
