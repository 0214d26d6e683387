#include "convert/verifier.h"

#include <filesystem>
#include <map>
#include <set>

#include "convert/element_compare.h"
#include "convert/training_state.h"
#include "formats/checkpoint_discovery.h"
#include "formats/tf_bundle_reader.h"
#include "io/chunk_reader.h"
#include "io/crc32c.h"
#include "io/drop_behind.h"
#include "io/error.h"
#include "models/registry.h"

namespace ckpt {
namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Layouts compare_tensor can index: anything contiguous, or a 1-D / 2-D strided view.
bool indexable(const TensorView& t) { return t.is_contiguous() || t.shape.size() <= 2; }

}  // namespace

VerifyResult verify_cs_against_hf(const VerifyOptions& opt, Progress& progress) {
  const ModelSpec model = read_hf_model_config(
      (std::filesystem::path(opt.input_dir) / "config.json").string(), opt.share_embeddings);
  const Checkpoint hf = open_checkpoint(opt.input_dir);
  const std::string prefix = resolve_tf_prefix(opt.output_dir);
  if (prefix.empty())
    throw_bad_input(opt.output_dir,
                    "no TensorFlow checkpoint found (no checkpoint file or *.index)");
  const auto tf = TfBundleReader::open(prefix);

  VerifyResult result;
  auto problem = [&](const std::string& name, const std::string& what) {
    result.problems.push_back(name + ": " + what);
  };

  std::map<std::string, const TensorView*> hf_by_name;
  for (const TensorView& t : hf.tensors) hf_by_name.emplace(t.name, &t);

  TableBounds bounds;
  bounds.file = hf.files.empty() ? opt.input_dir : hf.files.front();
  bounds.tensors = hf.tensors.size();
  std::map<const MappedFile*, uint64_t> file_sizes;
  for (const TensorView& t : hf.tensors) {
    if (t.file) file_sizes[t.file.get()] = t.file->size();
  }
  for (const auto& [file, size] : file_sizes) bounds.bytes += size;
  const auto rows = expand_table(model.family->table(), model.dims, opt.share_embeddings, bounds);
  std::set<std::string> expected_tf, known_hf;
  uint64_t total_bytes = 0;
  for (const MappedTensor& r : rows) {
    known_hf.insert(r.hf_name);
    if (r.tf_name.empty()) continue;
    expected_tf.insert(r.tf_name);
    const TfBundleEntry* e = tf->find(r.tf_name);
    total_bytes +=
        static_cast<uint64_t>(shape_numel(r.tf_shape)) * (e != nullptr ? dtype_size(e->dtype) : 4);
  }
  for (const TensorView& t : hf.tensors) {
    if (!known_hf.count(t.name)) {
      problem(t.name, "HF tensor is not part of a " + std::string(model.family->display_name()) +
                          " checkpoint");
    }
  }
  for (const TfBundleEntry& e : tf->entries()) {
    if (expected_tf.count(e.name)) continue;
    if (!opt.strict && is_training_state(e.name, expected_tf)) {
      result.skipped.push_back(e.name);
    } else {
      problem(e.name, "unexpected variable in the TF checkpoint");
    }
  }

  Workers workers(opt.threads);
  // Every pair's HF side is read through the mapping (its walk may be strided) and dropped
  // from the page cache once compared, when it was not cached; its TF side is read a chunk at
  // a time into verify's own buffers (sequential, O_DIRECT when not cached).
  std::vector<DropBehind::Range> hf_ranges;
  std::vector<ChunkReader::Range> tf_chunks;
  for (const MappedTensor& r : rows) {
    const TfBundleEntry* entry = r.tf_name.empty() ? nullptr : tf->find(r.tf_name);
    auto hf_it = hf_by_name.find(r.hf_name);
    if (entry == nullptr || hf_it == hf_by_name.end()) continue;
    const TensorView& src = *hf_it->second;
    hf_ranges.push_back({src.file, src.offset, src.span_bytes()});
    try {
      for (ChunkReader::Range& c : compare_chunks(tf->view(*entry))) tf_chunks.push_back(c);
    } catch (const Error&) {  // reported by the compare loop below
    }
  }
  DropBehind behind(std::move(hf_ranges));
  ChunkReader tf_reader(std::move(tf_chunks), kCompareChunkBytes);
  size_t paired = 0;
  progress.start("verify", total_bytes);
  for (const MappedTensor& r : rows) {
    if (r.tf_name.empty()) continue;
    const TfBundleEntry* entry = tf->find(r.tf_name);
    auto hf_it = hf_by_name.find(r.hf_name);
    if (entry == nullptr) {
      problem(r.tf_name, "missing from the TF checkpoint (expected from HF '" + r.hf_name + "')");
      continue;
    }
    if (hf_it == hf_by_name.end()) {
      problem(r.tf_name, "its HF source '" + r.hf_name + "' is missing from the HF checkpoint");
      continue;
    }
    behind.consumed(paired++);  // the pairs before this one are done
    const TensorView& src = *hf_it->second;
    // convert writes float32; a training run may have saved bfloat16/float16 weights.
    if (entry->dtype != DType::kF32 && entry->dtype != DType::kBF16 &&
        entry->dtype != DType::kF16) {
      problem(r.tf_name, "dtype is " + std::string(dtype_name(entry->dtype)) +
                             ", expected float32, bfloat16 or float16");
      continue;
    }
    if (entry->shape != r.tf_shape) {
      problem(r.tf_name, "shape is " + shape_to_string(entry->shape) + ", expected " +
                             shape_to_string(r.tf_shape));
      continue;
    }
    if (src.shape != r.hf_shape) {
      problem(r.tf_name, "HF '" + r.hf_name + "' has shape " + shape_to_string(src.shape) +
                             ", expected " + shape_to_string(r.hf_shape));
      continue;
    }
    if (!dtype_is_float(src.dtype) || src.dtype == DType::kF64 || !indexable(src)) {
      problem(r.tf_name, "HF '" + r.hf_name + "' has a dtype or layout verify cannot compare");
      continue;
    }
    const TensorView view = tf->view(*entry);
    const CompareOutcome c = compare_tensor(view, src, r.op, r.rows(), workers, &tf_reader);
    if (crc32c_mask(c.crc32c) != entry->masked_crc32c) {
      problem(r.tf_name, "crc32c mismatch (stored " + hex32(entry->masked_crc32c) + ", computed " +
                             hex32(crc32c_mask(c.crc32c)) + ")");
    }
    if (c.mismatches > 0) {
      problem(r.tf_name, std::to_string(c.mismatches) + " of " + std::to_string(view.numel()) +
                             " values differ from HF '" + r.hf_name + "'" +
                             (r.rows_note.empty() ? "" : " (" + r.rows_note + ")") + "; first at " +
                             c.first_mismatch);
    }
    ++result.tensors;
    result.parameters += static_cast<uint64_t>(view.numel());
    progress.advance(view.byte_size());
  }
  behind.consumed(paired);  // the last pair is done too
  progress.finish();
  return result;
}

}  // namespace ckpt
