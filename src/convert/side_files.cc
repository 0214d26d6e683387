#include "convert/side_files.h"

#include <nlohmann/json.hpp>

namespace ckpt {
namespace {

// HF order (the order of the mapping table), not the bundle's sorted order.
template <class Value>
std::string hf_ordered_json(const Plan& plan, Value value) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  std::vector<const PlannedTensor*> rows;
  for (const PlannedTensor& p : plan.writes) rows.push_back(&p);
  std::sort(rows.begin(), rows.end(), [](const PlannedTensor* a, const PlannedTensor* b) {
    return a->source < b->source;  // sources live in checkpoint order
  });
  for (const PlannedTensor* p : rows) j[p->row.hf_name] = value(*p);
  return j.dump(4) + "\n";
}

}  // namespace

std::string keys_json(const Plan& plan) {
  return hf_ordered_json(plan, [](const PlannedTensor& p) { return p.row.tf_name; });
}

std::string shapes_json(const Plan& plan) {
  return hf_ordered_json(plan,
                         [](const PlannedTensor& p) { return p.row.op == TensorOp::kTranspose; });
}

}  // namespace ckpt
