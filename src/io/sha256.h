// SHA-256 (OpenSSL EVP), incremental, for checking downloads against the hub's announced hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ckpt {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t n);
  // Lowercase hex digest (64 chars). The object is reset and can be reused.
  std::string hex_digest();
  // Forgets everything fed so far.
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lowercase hex sha256 of a byte string.
std::string sha256_hex(const std::string& bytes);

// Feeds the first `limit` bytes of `path` (all of it when limit is UINT64_MAX) into `hash`.
// Throws Error(kIo) "<path>: cannot read: ..." or "<path>: shorter than N bytes".
void sha256_update_from_file(Sha256& hash, const std::string& path, uint64_t limit = UINT64_MAX);

}  // namespace ckpt
