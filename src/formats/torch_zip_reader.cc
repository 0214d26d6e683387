#include <string_view>

#include "formats/quote.h"
#include "formats/torch_formats.h"
#include "formats/torch_pickle.h"
#include "formats/zip_reader.h"
#include "io/error.h"

namespace ckpt {
namespace {

// "<folder>/data.pkl", whatever the folder is called (the file stem, "archive", ...).
const ZipEntry& find_data_pkl(const ZipArchive& zip) {
  const ZipEntry* found = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash == std::string::npos || slash == 0 || e.name.substr(slash) != "/data.pkl") continue;
    if (found != nullptr) {
      throw_bad_input(zip.path(), "zip archive holds two pickles, " + quoted(found->name) +
                                      " and " + quoted(e.name));
    }
    found = &e;
  }
  if (found == nullptr) {
    throw_bad_input(zip.path(),
                    "zip archive has no <folder>/data.pkl entry (not a PyTorch checkpoint)");
  }
  return *found;
}

}  // namespace

Checkpoint read_torch_zip(const MappedFilePtr& file) {
  const ZipArchive zip = ZipArchive::open(file);
  const ZipEntry& pkl = find_data_pkl(zip);
  const std::string folder = pkl.name.substr(0, pkl.name.find('/') + 1);
  if (const ZipEntry* order = zip.find(folder + "byteorder")) {
    auto bytes = zip.data(*order);
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (text != "little") {
      throw_bad_input(zip.path(), "byteorder is " + quoted(text) +
                                      "; only little-endian checkpoints are supported");
    }
  }

  pickle::Options options;
  options.file = zip.path();
  options.label = "data.pkl";
  options.allowed_globals = torch_allowed_globals();
  TorchPickleHooks hooks(/*legacy=*/false);
  pickle::Unpickler u(zip.data(pkl), std::move(options), &hooks);
  const pickle::Value* top = u.load();
  const std::vector<NamedTensor> named = state_dict_tensors(u, *top);

  // Resolve each storage to its zip entry once; shared storages resolve once.
  std::vector<const ZipEntry*> entries(hooks.storages().size(), nullptr);
  Checkpoint ck;
  ck.format = "pytorch-zip";
  ck.files = {zip.path()};
  for (const NamedTensor& nt : named) {
    const TorchTensor& t = hooks.tensors()[nt.tensor];
    const TorchStorage& s = hooks.storages()[t.storage];
    const ZipEntry*& entry = entries[t.storage];
    if (entry == nullptr) {
      const std::string record = folder + "data/" + s.key;
      entry = zip.find(record);
      if (entry == nullptr) {
        throw_bad_input(zip.path(), "tensor " + quoted(nt.name) + ": storage " + quoted(s.key) +
                                        " has no zip entry " + quoted(record));
      }
      const uint64_t item = dtype_size(s.dtype);
      if (static_cast<uint64_t>(s.numel) > entry->size / item) {
        throw_bad_input(zip.path(), "tensor " + quoted(nt.name) + ": storage " + quoted(s.key) +
                                        " declares " + std::to_string(s.numel) + " " +
                                        std::string(dtype_name(s.dtype)) +
                                        " elements but zip entry " + quoted(record) + " holds " +
                                        std::to_string(entry->size) + " bytes");
      }
    }
    ck.tensors.push_back(make_torch_view(file, nt.name, t, s, entry->data_offset));
  }
  return ck;
}

}  // namespace ckpt
