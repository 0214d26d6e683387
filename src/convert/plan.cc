#include "convert/plan.h"

#include <algorithm>
#include <unordered_map>

#include "io/error.h"

namespace ckpt {
namespace {

std::string where(const Checkpoint& ckpt) { return ckpt.files.empty() ? "" : ckpt.files.front(); }

bool dtype_ok(const MappedTensor& row, DType t) {
  if (!row.is_float) return true;  // buffers are never written
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16;
}

void check_tensor(const MappedTensor& row, const TensorView& t, const ModelSpec& model) {
  const std::string& file = t.file ? t.file->path() : std::string();
  if (t.shape != row.hf_shape) {
    throw_bad_input(file, "tensor '" + t.name + "' has shape " + shape_to_string(t.shape) +
                              ", expected " + shape_to_string(row.hf_shape) + " from " +
                              model.params.source + " (" + model.summary + ")");
  }
  if (!dtype_ok(row, t.dtype)) {
    throw_bad_input(file,
                    "tensor '" + t.name + "' has dtype " + std::string(dtype_name(t.dtype)) +
                        "; float32, float16 or bfloat16 expected (float32 output must be exact)");
  }
}

}  // namespace

TableBounds checkpoint_bounds(const Checkpoint& ckpt) {
  TableBounds b;
  b.side = TableBounds::Side::kHf;
  b.file = where(ckpt);
  b.tensors = ckpt.tensors.size();
  std::unordered_map<const MappedFile*, uint64_t> sizes;
  for (const TensorView& t : ckpt.tensors) {
    if (t.file) sizes[t.file.get()] = t.file->size();
  }
  b.bytes = 0;
  for (const auto& [file, size] : sizes) b.bytes += size;
  b.min_item = 2;  // float16 / bfloat16
  return b;
}

Plan make_plan(const Checkpoint& ckpt, const std::vector<MappedTensor>& rows,
               const ModelSpec& model) {
  std::unordered_map<std::string, const MappedTensor*> by_hf;
  for (const MappedTensor& r : rows) by_hf.emplace(r.hf_name, &r);

  Plan plan;
  std::unordered_map<std::string, const TensorView*> found;
  for (const TensorView& t : ckpt.tensors) {
    auto it = by_hf.find(t.name);
    if (it == by_hf.end()) {
      throw_bad_input(t.file ? t.file->path() : where(ckpt),
                      "unexpected tensor '" + t.name + "': not part of a " +
                          std::string(model.family->display_name()) + " checkpoint");
    }
    if (!found.emplace(t.name, &t).second) {
      throw_bad_input(where(ckpt), "tensor '" + t.name + "' appears twice");
    }
    check_tensor(*it->second, t, model);
  }
  for (const auto& [name, view] : found) plan.input_bytes += view->byte_size();
  for (size_t k = 0; k < rows.size(); ++k) {
    const MappedTensor& r = rows[k];
    auto it = found.find(r.hf_name);
    if (it == found.end()) {
      if (r.required) throw_bad_input(where(ckpt), "missing tensor '" + r.hf_name + "'");
      continue;
    }
    PlannedTensor p{r, k, it->second};
    if (r.tf_name.empty()) {
      plan.skipped.push_back(std::move(p));
      continue;
    }
    plan.parameters += static_cast<uint64_t>(shape_numel(r.tf_shape));
    plan.output_bytes += static_cast<uint64_t>(shape_numel(r.tf_shape)) * 4;
    plan.writes.push_back(std::move(p));
  }
  std::sort(
      plan.writes.begin(), plan.writes.end(),
      [](const PlannedTensor& a, const PlannedTensor& b) { return a.row.tf_name < b.row.tf_name; });
  return plan;
}

}  // namespace ckpt
