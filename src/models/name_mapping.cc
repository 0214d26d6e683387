#include "models/name_mapping.h"

#include <stdexcept>

namespace ckpt {
namespace {

bool is_layer_rule(const MappingRule& r) {
  return std::string(r.hf).find("{i}") != std::string::npos;
}

bool applies(const MappingRule& r, bool share) {
  return r.sharing == Sharing::kEither || (r.sharing == Sharing::kShared) == share;
}

Shape resolve_shape(const char* symbols, const ModelDims& dims) {
  Shape shape;
  std::string s(symbols);
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    std::string sym =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto it = dims.symbols.find(sym);
    // Table rows are written by us; an unknown symbol is a programming error.
    shape.push_back(it != dims.symbols.end() ? it->second : std::stoll(sym));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return shape;
}

MappedTensor make_row(const MappingRule& r, const ModelDims& dims,
                      const std::map<std::string, std::string>& vars) {
  MappedTensor t;
  t.hf_name = expand_placeholders(r.hf, vars);
  t.tf_name = expand_placeholders(r.tf, vars);
  t.op = r.op;
  t.hf_shape = resolve_shape(r.shape, dims);
  t.tf_shape = t.hf_shape;
  if (r.op == TensorOp::kTranspose) std::swap(t.tf_shape[0], t.tf_shape[1]);
  t.required = r.required;
  t.is_float = r.is_float;
  return t;
}

}  // namespace

std::string expand_placeholders(const std::string& pattern,
                                const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    size_t close = pattern[i] == '{' ? pattern.find('}', i) : std::string::npos;
    if (close == std::string::npos) {
      out += pattern[i++];
      continue;
    }
    out += vars.at(pattern.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  return out;
}

std::vector<MappedTensor> expand_table(const ModelTable& table, const ModelDims& dims, bool share) {
  std::vector<MappedTensor> rows;
  const std::map<std::string, std::string> no_vars;
  bool layers_done = false;
  for (size_t k = 0; k < table.rules.size(); ++k) {
    const MappingRule& r = table.rules[k];
    if (!applies(r, share)) continue;
    if (!is_layer_rule(r)) {
      rows.push_back(make_row(r, dims, no_vars));
      continue;
    }
    if (layers_done) continue;
    // All per-layer rules, layer by layer, at the position of the first one.
    for (int64_t layer = 0; layer < dims.layers; ++layer) {
      const auto vars = table.layer_vars(layer);
      for (const MappingRule& lr : table.rules) {
        if (is_layer_rule(lr) && applies(lr, share)) rows.push_back(make_row(lr, dims, vars));
      }
    }
    layers_done = true;
  }
  return rows;
}

}  // namespace ckpt
