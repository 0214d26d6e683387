#include "formats/tf_dtype.h"

#include "tensor_bundle.pb.h"  // generated into the build tree

namespace ckpt {

int tf_dtype_of(DType t) {
  switch (t) {
    case DType::kF32:
      return tfproto::DT_FLOAT;
    case DType::kF64:
      return tfproto::DT_DOUBLE;
    case DType::kF16:
      return tfproto::DT_HALF;
    case DType::kBF16:
      return tfproto::DT_BFLOAT16;
    case DType::kI64:
      return tfproto::DT_INT64;
    case DType::kI32:
      return tfproto::DT_INT32;
    case DType::kI16:
      return tfproto::DT_INT16;
    case DType::kI8:
      return tfproto::DT_INT8;
    case DType::kU8:
      return tfproto::DT_UINT8;
    case DType::kBool:
      return tfproto::DT_BOOL;
    case DType::kString:
      return tfproto::DT_STRING;
  }
  return tfproto::DT_INVALID;
}

std::optional<DType> dtype_from_tf(int tf_dtype) {
  switch (tf_dtype) {
    case tfproto::DT_FLOAT:
      return DType::kF32;
    case tfproto::DT_DOUBLE:
      return DType::kF64;
    case tfproto::DT_HALF:
      return DType::kF16;
    case tfproto::DT_BFLOAT16:
      return DType::kBF16;
    case tfproto::DT_INT64:
      return DType::kI64;
    case tfproto::DT_INT32:
      return DType::kI32;
    case tfproto::DT_INT16:
      return DType::kI16;
    case tfproto::DT_INT8:
      return DType::kI8;
    case tfproto::DT_UINT8:
      return DType::kU8;
    case tfproto::DT_BOOL:
      return DType::kBool;
    case tfproto::DT_STRING:
      return DType::kString;
    default:
      return std::nullopt;
  }
}

std::string tf_dtype_name(int tf_dtype) {
  if (tfproto::DataType_IsValid(tf_dtype)) {
    return tfproto::DataType_Name(static_cast<tfproto::DataType>(tf_dtype));
  }
  return "DataType " + std::to_string(tf_dtype);
}

}  // namespace ckpt
