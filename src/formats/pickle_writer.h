// Writes the `data.pkl` of a torch.save archive: a protocol-2 pickle of an OrderedDict mapping
// each tensor name to
//   torch._utils._rebuild_tensor_v2(
//       persistent_load(('storage', torch.<Type>Storage, '<key>', 'cpu', <numel>)),
//       0, <size tuple>, <stride tuple>, False, collections.OrderedDict())
// which is what torch.save(state_dict) produces for contiguous tensors that own their storage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "formats/tensor_view.h"

namespace ckpt {

struct PickledTensor {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  std::string storage_key;  // the zip entry is "<top>/data/<storage_key>"
};

// Throws Error(kBadInput) naming `file` for a dtype torch has no storage class for (kString).
std::string torch_state_dict_pickle(const std::vector<PickledTensor>& tensors,
                                    const std::string& file);

// "FloatStorage", "BFloat16Storage", ... or empty for kString.
std::string torch_storage_class(DType t);

}  // namespace ckpt
