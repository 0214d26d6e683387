#include "formats/torch_pickle.h"

#include <unordered_map>

#include "formats/quote.h"
#include "io/error.h"

namespace ckpt {
namespace {

using pickle::Kind;
using pickle::Unpickler;
using pickle::Value;

constexpr const char* kTensorTag = "torch.Tensor";
constexpr const char* kStorageTag = "torch storage";

const std::map<std::string, DType>& storage_classes() {
  static const std::map<std::string, DType> classes{
      {"torch.FloatStorage", DType::kF32},     {"torch.HalfStorage", DType::kF16},
      {"torch.BFloat16Storage", DType::kBF16}, {"torch.DoubleStorage", DType::kF64},
      {"torch.LongStorage", DType::kI64},      {"torch.IntStorage", DType::kI32},
      {"torch.ShortStorage", DType::kI16},     {"torch.CharStorage", DType::kI8},
      {"torch.ByteStorage", DType::kU8},       {"torch.BoolStorage", DType::kBool},
  };
  return classes;
}

std::string at(const Unpickler& u) { return " at offset " + std::to_string(u.opcode_offset()); }

bool is_tuple(const Value* v) { return v->is(Kind::kTuple) || v->is(Kind::kList); }

int64_t get_int(Unpickler& u, const Value* v, const std::string& what) {
  if (!v->is(Kind::kInt)) u.fail(what + " is a " + describe(*v) + ", expected an int" + at(u));
  return v->integer;
}

const std::string& get_str(Unpickler& u, const Value* v, const std::string& what) {
  if (!v->is(Kind::kString)) u.fail(what + " is a " + describe(*v) + ", expected a str" + at(u));
  return v->text;
}

Shape get_dims(Unpickler& u, const Value* v, const std::string& what) {
  if (!is_tuple(v)) u.fail(what + " is a " + describe(*v) + ", expected a tuple" + at(u));
  Shape dims;
  for (const Value* d : v->items) {
    const int64_t n = get_int(u, d, what + " item");
    if (n < 0) u.fail(what + " has a negative entry " + std::to_string(n) + at(u));
    dims.push_back(n);
  }
  return dims;
}

Value* make_object(Unpickler& u, const char* tag, size_t handle) {
  Value* v = u.make(Kind::kObject);
  v->text = tag;
  v->integer = static_cast<int64_t>(handle);
  return v;
}

}  // namespace

std::unordered_set<std::string> torch_allowed_globals() {
  std::unordered_set<std::string> names{
      "collections.OrderedDict",
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter",
      "torch._utils._rebuild_parameter_with_state",
      "torch.device",
      "torch.Size",
  };
  for (const auto& [name, dtype] : storage_classes()) names.insert(name);
  return names;
}

Value* TorchPickleHooks::persistent_load(Unpickler& u, Value* pid) {
  const size_t want = legacy_ ? 6 : 5;
  if (!pid->is(Kind::kTuple) || pid->items.empty() || !pid->items[0]->is(Kind::kString)) {
    u.fail("persistent id is a " + describe(*pid) + ", expected a ('storage', ...) tuple" + at(u));
  }
  const std::string& type = pid->items[0]->text;
  if (type != "storage")
    u.fail("persistent id of type " + quoted(type) + " is not supported" + at(u));
  if (pid->items.size() != want) {
    u.fail("storage persistent id has " + std::to_string(pid->items.size()) + " items, expected " +
           std::to_string(want) + at(u));
  }
  const Value* cls = pid->items[1];
  auto dt = cls->is(Kind::kGlobal) ? storage_classes().find(cls->text) : storage_classes().end();
  if (dt == storage_classes().end()) {
    u.fail("storage type is " + describe(*cls) + ", expected a torch.*Storage class" + at(u));
  }
  TorchStorage s;
  s.dtype = dt->second;
  s.key = get_str(u, pid->items[2], "storage key");
  get_str(u, pid->items[3], "storage location");
  s.numel = s.root_numel = get_int(u, pid->items[4], "storage size");
  if (s.numel < 0) u.fail("storage " + quoted(s.key) + " has negative size" + at(u));
  std::string identity = s.key;
  if (legacy_ && !pid->items[5]->is(Kind::kNone)) {
    // (view_key, offset, size): a window of the root storage.
    const Value* view = pid->items[5];
    if (!view->is(Kind::kTuple) || view->items.size() != 3) {
      u.fail("storage view metadata is a " + describe(*view) + ", expected a 3-tuple" + at(u));
    }
    identity += "\n" + get_str(u, view->items[0], "storage view key");
    s.root_offset = get_int(u, view->items[1], "storage view offset");
    s.numel = get_int(u, view->items[2], "storage view size");
    if (s.root_offset < 0 || s.numel < 0 || s.root_offset > s.root_numel - s.numel) {
      u.fail("storage view of " + quoted(s.key) + " lies outside its " +
             std::to_string(s.root_numel) + " elements" + at(u));
    }
  }
  auto [it, fresh] = storage_ids_.emplace(identity, storages_.size());
  if (fresh) {
    storages_.push_back(s);
  } else {
    const TorchStorage& old = storages_[it->second];
    if (old.dtype != s.dtype || old.numel != s.numel || old.root_numel != s.root_numel ||
        old.root_offset != s.root_offset) {
      u.fail("storage " + quoted(s.key) + " is declared twice with different types or sizes" +
             at(u));
    }
  }
  return make_object(u, kStorageTag, it->second);
}

Value* TorchPickleHooks::rebuild_tensor(Unpickler& u, const Value& args) {
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  if (!is_tuple(&args) || args.items.size() < 4) {
    u.fail("_rebuild_tensor_v2 needs at least 4 arguments" + at(u));
  }
  const Value* storage = args.items[0];
  if (!storage->is(Kind::kObject) || storage->text != kStorageTag) {
    u.fail("_rebuild_tensor_v2 storage is a " + describe(*storage) + at(u));
  }
  TorchTensor t;
  t.storage = static_cast<size_t>(storage->integer);
  t.offset = get_int(u, args.items[1], "storage offset");
  if (t.offset < 0) u.fail("negative storage offset " + std::to_string(t.offset) + at(u));
  t.shape = get_dims(u, args.items[2], "tensor size");
  t.strides = get_dims(u, args.items[3], "tensor stride");
  if (t.shape.size() != t.strides.size()) {
    u.fail("tensor size " + shape_to_string(t.shape) + " and stride " + shape_to_string(t.strides) +
           " differ in length" + at(u));
  }
  tensors_.push_back(std::move(t));
  return make_object(u, kTensorTag, tensors_.size() - 1);
}

Value* TorchPickleHooks::reduce(Unpickler& u, const Value& callable, Value* args) {
  const std::string& f = callable.text;
  if (f == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(u, *args);
  if (!is_tuple(args)) u.fail(f + " called with a " + describe(*args) + at(u));
  if (f == "collections.OrderedDict") {
    if (!args->items.empty())
      u.fail("collections.OrderedDict with arguments is not supported" + at(u));
    return u.make(Kind::kDict);
  }
  if (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state") {
    // (data, requires_grad, backward_hooks[, state]): the parameter is its data tensor.
    if (args->items.empty() || !args->items[0]->is(Kind::kObject) ||
        args->items[0]->text != kTensorTag) {
      u.fail(f + " needs a tensor as its first argument" + at(u));
    }
    return args->items[0];
  }
  if (f == "torch.Size") {
    if (args->items.size() != 1 || !is_tuple(args->items[0])) {
      u.fail("torch.Size needs one tuple argument" + at(u));
    }
    get_dims(u, args->items[0], "torch.Size");
    return args->items[0];
  }
  if (f == "torch.device") return make_object(u, "torch.device", 0);
  u.fail("refusing to call " + f + at(u));
}

void TorchPickleHooks::build(Unpickler& u, Value* object, Value* state) {
  // The state dict's `_metadata` (BUILD on the OrderedDict) and a parameter's extra state do
  // not affect tensor data: accept and ignore them.
  (void)state;
  if (object->is(Kind::kDict)) return;
  if (object->is(Kind::kObject) && object->text == kTensorTag) return;
  u.fail("BUILD on a " + describe(*object) + at(u));
}

std::vector<NamedTensor> state_dict_tensors(Unpickler& u, const Value& top) {
  if (!top.is(Kind::kDict)) {
    u.fail("the pickle holds a " + describe(top) + ", expected a state dict");
  }
  std::vector<NamedTensor> out;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i + 1 < top.items.size(); i += 2) {
    const Value* key = top.items[i];
    const Value* value = top.items[i + 1];
    if (!value->is(Kind::kObject) || value->text != kTensorTag) continue;  // not a tensor
    if (!key->is(Kind::kString))
      u.fail("state dict key is a " + describe(*key) + ", expected a str");
    auto [it, fresh] = seen.emplace(key->text, out.size());
    if (fresh) {
      out.push_back({key->text, static_cast<size_t>(value->integer)});
    } else {
      out[it->second].tensor = static_cast<size_t>(value->integer);
    }
  }
  return out;
}

TensorView make_torch_view(const MappedFilePtr& file, const std::string& name, const TorchTensor& t,
                           const TorchStorage& s, uint64_t storage_at) {
  const uint64_t item = dtype_size(s.dtype);
  ByteRegion storage{storage_at, 0, "storage " + ckpt::quoted(s.key)};
  if (__builtin_mul_overflow(static_cast<uint64_t>(s.numel), item, &storage.size)) {
    storage.size = UINT64_MAX;  // reported as lying beyond the end of the file
  }
  uint64_t offset = 0;  // t.offset >= 0: the unpickler refused negative ones
  if (__builtin_mul_overflow(static_cast<uint64_t>(t.offset), item, &offset) ||
      __builtin_add_overflow(offset, storage_at, &offset)) {
    throw_bad_input(file->path(), "tensor " + ckpt::quoted(name) + " has storage offset " +
                                      std::to_string(t.offset) + " past the end of " +
                                      storage.what + " (" + std::to_string(s.numel) + " elements)");
  }
  return TensorView::make(name, s.dtype, t.shape, t.strides, file, offset, storage);
}

}  // namespace ckpt
