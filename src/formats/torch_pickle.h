// What a torch.save pickle means, evaluated by our own code: the allow-listed globals, the
// persistent ids that name storages, and _rebuild_tensor_v2 calls, turned into plain records.
// Shared by the zip and legacy readers, which then resolve storages to file bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "formats/dtype.h"
#include "formats/tensor_view.h"
#include "formats/unpickler.h"

namespace ckpt {

// A storage as a persistent id declares it.
struct TorchStorage {
  std::string key;  // zip: data/<key>; legacy: the root key in the key list
  DType dtype = DType::kF32;
  int64_t numel = 0;        // elements of this storage
  int64_t root_numel = 0;   // legacy views: elements of the root storage (else == numel)
  int64_t root_offset = 0;  // legacy views: first element inside the root storage
};

// One _rebuild_tensor_v2 call.
struct TorchTensor {
  size_t storage = 0;  // index into TorchPickleHooks::storages()
  int64_t offset = 0;  // storage offset, elements
  Shape shape;
  Shape strides;
};

class TorchPickleHooks : public pickle::Hooks {
 public:
  // Zip files use 5-tuple persistent ids, legacy files 6-tuples (with view metadata).
  explicit TorchPickleHooks(bool legacy) : legacy_(legacy) {}

  pickle::Value* persistent_load(pickle::Unpickler& u, pickle::Value* pid) override;
  pickle::Value* reduce(pickle::Unpickler& u, const pickle::Value& callable,
                        pickle::Value* args) override;
  void build(pickle::Unpickler& u, pickle::Value* object, pickle::Value* state) override;

  const std::vector<TorchStorage>& storages() const { return storages_; }
  const std::vector<TorchTensor>& tensors() const { return tensors_; }

 private:
  pickle::Value* rebuild_tensor(pickle::Unpickler& u, const pickle::Value& args);

  bool legacy_;
  std::vector<TorchStorage> storages_;
  std::map<std::string, size_t> storage_ids_;  // persistent id identity -> index
  std::vector<TorchTensor> tensors_;
};

// The globals a torch state dict pickle may name (DESIGN.md §5).
std::unordered_set<std::string> torch_allowed_globals();

struct NamedTensor {
  std::string name;
  size_t tensor = 0;  // index into TorchPickleHooks::tensors()
};

// The tensors of a state dict (the pickle's top-level dict) in order; non-tensor values are
// skipped; a repeated key keeps its first position and its last value, as a Python dict does.
std::vector<NamedTensor> state_dict_tensors(pickle::Unpickler& u, const pickle::Value& top);

// A view of tensor `t` whose storage's element 0 is at byte `storage_at` of `file`, checked by
// TensorView::make to stay inside the storage's numel elements. Throws Error(kBadInput).
TensorView make_torch_view(const MappedFilePtr& file, const std::string& name, const TorchTensor& t,
                           const TorchStorage& s, uint64_t storage_at);

}  // namespace ckpt
