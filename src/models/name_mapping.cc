#include "models/name_mapping.h"

#include <limits>
#include <string_view>

#include "io/error.h"

namespace ckpt {
namespace {

bool is_layer_rule(const MappingRule& r) {
  return std::string_view(r.hf).find("{i}") != std::string_view::npos;
}

bool applies(const MappingRule& r, const ModelDims& dims, bool share) {
  if (*r.when != '\0' && dims.flags.count(r.when) == 0) return false;
  return r.sharing == Sharing::kEither || (r.sharing == Sharing::kShared) == share;
}

int64_t symbol(const ModelDims& dims, const std::string& sym) {
  auto it = dims.symbols.find(sym);
  // Table rows are written by us; an unknown symbol is a programming error.
  return it != dims.symbols.end() ? it->second : std::stoll(sym);
}

Shape resolve_shape(const char* symbols, const ModelDims& dims) {
  Shape shape;
  const std::string s(symbols);
  size_t start = 0;
  while (start < s.size()) {
    const size_t comma = s.find(',', start);
    shape.push_back(symbol(
        dims, s.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return shape;
}

// The logical shape a row takes from its HF tensor: the selected part of the first dimension.
Shape logical_shape(const MappingRule& r, const ModelDims& dims) {
  Shape shape = resolve_shape(r.shape, dims);
  if (r.rows.parts > 0) shape.at(0) /= r.rows.parts;
  return shape;
}

// row_map[h * D + d] = h * parts * D + part * D + perm(d), perm from the rotary pairing.
std::shared_ptr<const std::vector<int64_t>> make_row_map(const MappingRule& r,
                                                         const ModelDims& dims) {
  if (r.rows.parts == 0 && !r.rows.rotary_pairs) return nullptr;
  const int64_t parts = std::max(1, r.rows.parts);
  const int64_t heads = symbol(dims, "H");
  const int64_t hf_rows = resolve_shape(r.shape, dims).at(0);
  const int64_t head_dim = hf_rows / heads / parts;
  const int64_t rotary = r.rows.rotary_pairs ? symbol(dims, "R") : 0;
  auto map = std::make_shared<std::vector<int64_t>>();
  map->reserve(static_cast<size_t>(heads * head_dim));
  for (int64_t h = 0; h < heads; ++h) {
    const int64_t base = (h * parts + r.rows.part) * head_dim;
    for (int64_t d = 0; d < head_dim; ++d) {
      int64_t from = d;
      if (d < rotary) from = d % 2 == 0 ? d / 2 : d / 2 + rotary / 2;
      map->push_back(base + from);
    }
  }
  return map;
}

std::string rows_note(const MappingRule& r) {
  std::string note;
  if (r.rows.parts > 0) {
    note = "rows: part " + std::to_string(r.rows.part) + " of [H, " + std::to_string(r.rows.parts) +
           ", D]";
  }
  if (r.rows.rotary_pairs) note += std::string(note.empty() ? "rows:" : ",") + " rotary pairs";
  return note;
}

struct RuleRows {
  Shape hf_shape, tf_shape;
  std::shared_ptr<const std::vector<int64_t>> row_map;
};

MappedTensor make_row(const MappingRule& r, const RuleRows& rr,
                      const std::map<std::string, std::string>& vars) {
  MappedTensor t;
  t.hf_name = expand_placeholders(r.hf, vars);
  t.tf_name = expand_placeholders(r.tf, vars);
  t.op = r.op;
  t.hf_shape = rr.hf_shape;
  t.tf_shape = rr.tf_shape;
  t.row_map = rr.row_map;
  t.required = r.required;
  t.unshared_only = r.sharing == Sharing::kUnshared;
  t.is_float = r.is_float;
  t.rebuild_from = r.rebuild;
  t.buffer = r.buffer;
  t.rows_note = rows_note(r);
  return t;
}

// Refuses dimensions the checkpoint cannot back, before a single per-layer row exists.
void check_bounds(const ModelTable& table, const ModelDims& dims, bool share,
                  const TableBounds& bounds) {
  std::set<std::string> per_layer;
  const auto layer0 = table.layer_vars(0);
  for (const MappingRule& r : table.rules) {
    if (!applies(r, dims, share)) continue;
    const bool counted = bounds.side == TableBounds::Side::kHf ? r.required : *r.tf != '\0';
    if (counted && is_layer_rule(r))
      per_layer.insert(bounds.side == TableBounds::Side::kHf ? r.hf : r.tf);
    const Shape shape = resolve_shape(r.shape, dims);
    const int64_t numel = shape_numel(shape);
    const std::string name =
        expand_placeholders(r.hf, is_layer_rule(r) ? layer0 : std::map<std::string, std::string>{});
    const bool weight = r.required && r.is_float;
    if (numel < 0 || (weight && static_cast<uint64_t>(numel) > bounds.bytes / bounds.min_item)) {
      throw_bad_input(dims.source, "tensor '" + name + "' would have shape " +
                                       shape_to_string(shape) + ", more than " + bounds.file +
                                       " holds (" + std::to_string(bounds.bytes) + " bytes)");
    }
  }
  if (dims.layers < 0 || (!per_layer.empty() &&
                          static_cast<uint64_t>(dims.layers) > bounds.tensors / per_layer.size())) {
    throw_bad_input(dims.source, dims.layers_key + " is " + std::to_string(dims.layers) + ", but " +
                                     bounds.file + " holds " + std::to_string(bounds.tensors) +
                                     " tensors, " + std::to_string(per_layer.size()) +
                                     " per layer at least");
  }
}

}  // namespace

std::string keras_dense_name(int64_t n) {
  return n == 0 ? "dense_layer" : "dense_layer_" + std::to_string(n);
}

std::map<std::string, std::string> cerebras_layer_vars(int64_t layer) {
  return {{"i", std::to_string(layer)},
          {"fc_in", keras_dense_name(2 * layer)},
          {"fc_out", keras_dense_name(2 * layer + 1)}};
}

std::string expand_placeholders(const std::string& pattern,
                                const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    const size_t close = pattern[i] == '{' ? pattern.find('}', i) : std::string::npos;
    if (close == std::string::npos) {
      out += pattern[i++];
      continue;
    }
    out += vars.at(pattern.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  return out;
}

std::vector<MappedTensor> expand_table(const ModelTable& table, const ModelDims& dims, bool share,
                                       const TableBounds& bounds) {
  check_bounds(table, dims, share, bounds);
  // Shapes and row maps depend on the rule only: computed once, shared by every layer.
  std::vector<RuleRows> per_rule;
  for (const MappingRule& r : table.rules) {
    RuleRows rr;
    if (applies(r, dims, share)) {
      rr.hf_shape = resolve_shape(r.shape, dims);
      rr.tf_shape = logical_shape(r, dims);
      if (r.op == TensorOp::kTranspose) std::swap(rr.tf_shape.at(0), rr.tf_shape.at(1));
      rr.row_map = make_row_map(r, dims);
    }
    per_rule.push_back(std::move(rr));
  }
  std::vector<MappedTensor> rows;
  const std::map<std::string, std::string> no_vars;
  bool layers_done = false;
  for (size_t k = 0; k < table.rules.size(); ++k) {
    const MappingRule& r = table.rules[k];
    if (!applies(r, dims, share)) continue;
    if (!is_layer_rule(r)) {
      rows.push_back(make_row(r, per_rule[k], no_vars));
      continue;
    }
    if (layers_done) continue;
    // All per-layer rules, layer by layer, at the position of the first one.
    for (int64_t layer = 0; layer < dims.layers; ++layer) {
      const auto vars = table.layer_vars(layer);
      for (size_t m = 0; m < table.rules.size(); ++m) {
        const MappingRule& lr = table.rules[m];
        if (is_layer_rule(lr) && applies(lr, dims, share)) {
          rows.push_back(make_row(lr, per_rule[m], vars));
        }
      }
    }
    layers_done = true;
  }
  return rows;
}

}  // namespace ckpt
