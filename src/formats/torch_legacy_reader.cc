#include <map>

#include "formats/le_bytes.h"
#include "formats/quote.h"
#include "formats/torch_formats.h"
#include "formats/torch_pickle.h"
#include "io/error.h"

namespace ckpt {
namespace {

using pickle::Kind;
using pickle::Value;

// 0x1950a86a20f9469cfc6c as LONG1 stores it: little-endian.
constexpr char kMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr int64_t kProtocol = 1001;

pickle::Options options_for(const MappedFile& f, const char* label, uint64_t at) {
  pickle::Options o;
  o.file = f.path();
  o.label = std::string(label) + " (pickle at offset " + std::to_string(at) + ")";
  o.base_offset = at;
  return o;
}

// The pickles follow each other; each Unpickler reports where its STOP ended.
struct PickleStream {
  const MappedFilePtr& file;
  uint64_t at = 0;

  std::span<const uint8_t> rest() const { return {file->data() + at, file->size() - at}; }
};

}  // namespace

Checkpoint read_torch_legacy(const MappedFilePtr& file) {
  const MappedFile& f = *file;
  PickleStream in{file};

  pickle::Unpickler magic(in.rest(), options_for(f, "magic number", in.at), nullptr);
  const Value* m = magic.load();
  if (!m->is(Kind::kBigInt) || m->text != std::string(kMagic, sizeof kMagic - 1)) {
    throw_bad_input(f.path(), "not a PyTorch checkpoint (bad magic number in the legacy format)");
  }
  in.at += magic.end_offset();

  pickle::Unpickler proto(in.rest(), options_for(f, "protocol version", in.at), nullptr);
  const Value* p = proto.load();
  if (!p->is(Kind::kInt) || p->integer != kProtocol) {
    proto.fail("unsupported legacy protocol version (expected 1001)");
  }
  in.at += proto.end_offset();

  pickle::Unpickler sys(in.rest(), options_for(f, "sys_info", in.at), nullptr);
  const Value* info = sys.load();
  if (!info->is(Kind::kDict)) sys.fail("expected a dict");
  for (size_t i = 0; i + 1 < info->items.size(); i += 2) {
    const Value* k = info->items[i];
    const Value* v = info->items[i + 1];
    if (k->is(Kind::kString) && k->text == "little_endian" && !(v->is(Kind::kBool) && v->boolean)) {
      sys.fail("only little-endian checkpoints are supported");
    }
  }
  in.at += sys.end_offset();

  pickle::Options o = options_for(f, "object pickle", in.at);
  o.allowed_globals = torch_allowed_globals();
  TorchPickleHooks hooks(/*legacy=*/true);
  pickle::Unpickler objects(in.rest(), std::move(o), &hooks);
  const Value* top = objects.load();
  const std::vector<NamedTensor> named = state_dict_tensors(objects, *top);
  in.at += objects.end_offset();

  pickle::Unpickler keys(in.rest(), options_for(f, "storage key list", in.at), nullptr);
  const Value* list = keys.load();
  if (!list->is(Kind::kList)) keys.fail("expected a list, found a " + describe(*list));
  in.at += keys.end_offset();

  // Root storages: element type and size as the persistent ids declared them.
  std::map<std::string, const TorchStorage*> roots;
  for (const TorchStorage& s : hooks.storages()) {
    auto [it, fresh] = roots.emplace(s.key, &s);
    if (!fresh && (it->second->dtype != s.dtype || it->second->root_numel != s.root_numel)) {
      throw_bad_input(
          f.path(), "storage " + quoted(s.key) + " is declared with two different types or sizes");
    }
  }

  // Then, per key in list order: int64 element count, count * itemsize raw bytes.
  std::map<std::string, uint64_t> data_at;
  for (const Value* k : list->items) {
    if (!k->is(Kind::kString)) keys.fail("storage key is a " + describe(*k) + ", expected a str");
    auto root = roots.find(k->text);
    if (root == roots.end()) {
      throw_bad_input(f.path(), "storage " + quoted(k->text) +
                                    " is in the key list but no tensor declares its type");
    }
    const uint8_t* count_bytes = f.bytes(in.at, 8, "storage element count").data();
    const auto count = static_cast<int64_t>(load_le64(count_bytes));
    const TorchStorage& s = *root->second;
    if (count != s.root_numel) {
      throw_bad_input(f.path(), "storage " + quoted(s.key) + " at offset " + std::to_string(in.at) +
                                    " holds " + std::to_string(count) +
                                    " elements but its persistent id says " +
                                    std::to_string(s.root_numel));
    }
    uint64_t nbytes = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(count), dtype_size(s.dtype), &nbytes)) {
      nbytes = UINT64_MAX;  // reported as lying beyond the end of the file just below
    }
    f.bytes(in.at + 8, nbytes, ("storage " + quoted(s.key) + " data").c_str());
    if (!data_at.emplace(s.key, in.at + 8).second) {
      throw_bad_input(f.path(), "storage " + quoted(s.key) + " appears twice in the key list");
    }
    in.at += 8 + nbytes;
  }

  Checkpoint ck;
  ck.format = "pytorch-legacy";
  ck.files = {f.path()};
  for (const NamedTensor& nt : named) {
    const TorchTensor& t = hooks.tensors()[nt.tensor];
    const TorchStorage& s = hooks.storages()[t.storage];
    auto d = data_at.find(s.key);
    if (d == data_at.end()) {
      throw_bad_input(f.path(), "tensor " + quoted(nt.name) + ": storage " + quoted(s.key) +
                                    " is missing from the key list");
    }
    const uint64_t at = d->second + static_cast<uint64_t>(s.root_offset) * dtype_size(s.dtype);
    ck.tensors.push_back(make_torch_view(file, nt.name, t, s, at));
  }
  return ck;
}

}  // namespace ckpt
