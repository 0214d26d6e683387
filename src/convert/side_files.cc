#include "convert/side_files.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace ckpt {
namespace {

// HF order (checkpoint order, then table order for one HF tensor feeding several variables),
// not the bundle's sorted order.
std::vector<const PlannedTensor*> hf_ordered(const Plan& plan) {
  std::vector<const PlannedTensor*> rows;
  for (const PlannedTensor& p : plan.writes) rows.push_back(&p);
  std::sort(rows.begin(), rows.end(), [](const PlannedTensor* a, const PlannedTensor* b) {
    return a->source != b->source ? a->source < b->source  // sources live in checkpoint order
                                  : a->order < b->order;
  });
  return rows;
}

}  // namespace

std::string keys_json(const Plan& plan) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const PlannedTensor* p : hf_ordered(plan)) {
    auto it = j.find(p->row.hf_name);
    if (it == j.end()) {
      j[p->row.hf_name] = p->row.tf_name;
    } else if (it->is_string()) {  // a second variable from the same HF tensor: a list
      *it = nlohmann::ordered_json::array({it->get<std::string>(), p->row.tf_name});
    } else {
      it->push_back(p->row.tf_name);
    }
  }
  return j.dump(4) + "\n";
}

std::string shapes_json(const Plan& plan) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const PlannedTensor* p : hf_ordered(plan)) {
    j[p->row.hf_name] = p->row.op == TensorOp::kTranspose;
  }
  return j.dump(4) + "\n";
}

}  // namespace ckpt
