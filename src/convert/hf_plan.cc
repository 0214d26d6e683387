#include "convert/hf_plan.h"

#include <algorithm>
#include <map>

#include "formats/quote.h"
#include "formats/tensor_view.h"
#include "io/error.h"

namespace ckpt {
namespace {

const TfBundleEntry& find_variable(const TfBundleReader& tf, const std::string& name,
                                   const Shape& want, const std::string& source) {
  const TfBundleEntry* e = tf.find(name);
  if (e == nullptr) throw_bad_input(tf.index_path(), "missing variable '" + name + "'");
  // TF keeps what the run trained in: float32, or bfloat16/float16 weights, which are widened
  // exactly to the float32 HF tensors (as convert widens HF half precision).
  const DType d = e->dtype;
  if ((d != DType::kF32 && d != DType::kBF16 && d != DType::kF16) || e->shape != want) {
    throw_bad_input(tf.index_path(), "variable '" + name + "' is " + std::string(dtype_name(d)) +
                                         " " + shape_to_string(e->shape) +
                                         ", expected float32, bfloat16 or float16 " +
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

// Every byte size fits 64 bits, and the buffers made from `source`'s dimensions alone (a causal
// mask is P * P bytes per layer) cost no more than the weights: a params.yaml of a few bytes
// must not write terabytes. The floor keeps a tiny model's real masks (2048 positions) legal.
void check_sizes(const std::vector<HfTensorPlan>& plan, const std::string& source) {
  constexpr uint64_t kGeneratedFloor = uint64_t{1} << 30;
  uint64_t weights = 0, generated = 0;
  for (const HfTensorPlan& t : plan) {
    const int64_t bytes = shape_bytes(t.spec.shape, t.spec.dtype);
    if (bytes < 0) {
      throw_bad_input(source, "tensor " + quoted(t.spec.name) + " of shape " +
                                  shape_to_string(t.spec.shape) +
                                  " has a byte size that overflows 64 bits");
    }
    // Each term is below 2^63 and there are fewer than 2^20 tensors; saturate anyway.
    uint64_t& sum = t.sources.empty() ? generated : weights;
    sum = std::min(sum + static_cast<uint64_t>(bytes), uint64_t{1} << 63);
  }
  if (generated > std::max(weights, kGeneratedFloor)) {
    throw_bad_input(source, "its dimensions ask for " + std::to_string(generated) +
                                " bytes of generated buffers (causal masks), more than the " +
                                std::to_string(weights) + " bytes of the weights");
  }
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
  check_sizes(plan, source);
  return plan;
}

}  // namespace ckpt
