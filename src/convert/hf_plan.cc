#include "convert/hf_plan.h"

#include <map>

#include "io/error.h"

namespace ckpt {
namespace {

const TfBundleEntry& find_variable(const TfBundleReader& tf, const std::string& name,
                                   const Shape& want, const std::string& source) {
  const TfBundleEntry* e = tf.find(name);
  if (e == nullptr) throw_bad_input(tf.index_path(), "missing variable '" + name + "'");
  if (e->dtype != DType::kF32 || e->shape != want) {
    throw_bad_input(tf.index_path(), "variable '" + name + "' is " +
                                         std::string(dtype_name(e->dtype)) + " " +
                                         shape_to_string(e->shape) + ", expected float32 " +
                                         shape_to_string(want) + " from " + source);
  }
  return *e;
}

// HF row i <- (source, logical row): the row maps inverted. Every HF row must be given once.
std::vector<HfRowOrigin> invert_row_maps(const std::vector<const MappedTensor*>& parts,
                                         const std::string& where) {
  const int64_t hf_rows = parts.front()->hf_shape.at(0);
  std::vector<HfRowOrigin> origin(static_cast<size_t>(hf_rows), {UINT32_MAX, 0});
  for (size_t s = 0; s < parts.size(); ++s) {
    const auto map = parts[s]->rows();
    const auto logical = map.empty() ? hf_rows : static_cast<int64_t>(map.size());
    for (int64_t j = 0; j < logical; ++j) {
      const int64_t i = map.empty() ? j : map[static_cast<size_t>(j)];
      origin.at(static_cast<size_t>(i)) = {static_cast<uint32_t>(s), j};
    }
  }
  for (size_t i = 0; i < origin.size(); ++i) {
    if (origin[i].source == UINT32_MAX) {
      throw_bad_input(where, "no variable gives row " + std::to_string(i) + " of HF '" +
                                 parts.front()->hf_name + "'");
    }
  }
  return origin;
}

}  // namespace

std::vector<HfTensorPlan> make_hf_plan(const std::vector<MappedTensor>& rows,
                                       const TfBundleReader& tf, const std::string& source) {
  // Rows grouped by HF name, in the order the names first appear.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const MappedTensor*>> by_hf;
  for (const MappedTensor& r : rows) {
    auto [it, fresh] = by_hf.try_emplace(r.hf_name);
    if (fresh) order.push_back(r.hf_name);
    it->second.push_back(&r);
  }
  std::vector<HfTensorPlan> plan;
  for (const std::string& name : order) {
    std::vector<const MappedTensor*> parts;
    const MappedTensor* rebuilt = nullptr;
    const MappedTensor* buffer = nullptr;
    for (const MappedTensor* r : by_hf[name]) {
      if (!r->tf_name.empty()) {
        parts.push_back(r);
      } else if (!r->rebuild_from.empty()) {
        rebuilt = r;
      } else if (r->buffer != BufferKind::kNone) {
        buffer = r;
      }
    }
    const MappedTensor& first = *by_hf[name].front();
    HfTensorPlan t;
    t.spec = {name, first.is_float ? DType::kF32 : DType::kBool, first.hf_shape};
    if (!parts.empty()) {
      for (const MappedTensor* p : parts) {
        t.sources.push_back({&find_variable(tf, p->tf_name, p->tf_shape, source), p->op});
      }
      if (parts.size() > 1 || !parts.front()->rows().empty()) {
        t.row_origin = invert_row_maps(parts, tf.index_path());
      }
    } else if (rebuilt != nullptr) {  // a tied weight: the variable already has the HF layout
      t.sources.push_back(
          {&find_variable(tf, rebuilt->rebuild_from, rebuilt->hf_shape, source), TensorOp::kCopy});
    } else if (buffer != nullptr) {
      t.buffer = buffer->buffer;
    } else {
      continue;  // a buffer HF no longer saves: left out
    }
    plan.push_back(std::move(t));
  }
  return plan;
}

}  // namespace ckpt
