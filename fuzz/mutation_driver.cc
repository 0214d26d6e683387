// A deterministic stand-in for libFuzzer, so fuzz targets run under plain CTest with any
// compiler: seeds from corpus directories, then N mutants made by byte flips, interesting
// values, inserts, deletes, duplications and splices, from a fixed random seed. Same
// arguments, same inputs, every run. A crash or sanitizer report fails the test; a target
// that throws anything ends the process through std::terminate, which fails it too.
//
//   <target>_fuzz [-runs=N] [-seed=S] [-max_len=L] CORPUS_DIR_OR_FILE...
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

Bytes read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class Mutator {
 public:
  Mutator(uint64_t seed, size_t max_len) : rng_(seed), max_len_(max_len) {}

  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

  void mutate(Bytes& b, const std::vector<Bytes>& pool) {
    const size_t rounds = 1 + below(4);
    for (size_t r = 0; r < rounds; ++r) one(b, pool);
    if (b.size() > max_len_) b.resize(max_len_);
  }

 private:
  void one(Bytes& b, const std::vector<Bytes>& pool) {
    static constexpr uint64_t kInteresting[] = {0,          1,           0x7f,         0x80,
                                                0xff,       0x7fff,      0xffff,       0x7fffffff,
                                                0xffffffff, 0x100000000, ~uint64_t{0}, 64};
    switch (below(8)) {
      case 0:  // flip a bit
        if (!b.empty()) b[below(b.size())] ^= static_cast<uint8_t>(1u << below(8));
        break;
      case 1:  // random byte
        if (!b.empty()) b[below(b.size())] = static_cast<uint8_t>(rng_());
        break;
      case 2: {  // little-endian interesting value of 1, 2, 4 or 8 bytes
        const size_t width = size_t{1} << below(4);
        if (b.size() < width) break;
        const size_t at = below(b.size() - width + 1);
        uint64_t v = kInteresting[below(std::size(kInteresting))];
        for (size_t i = 0; i < width; ++i, v >>= 8) b[at + i] = static_cast<uint8_t>(v);
        break;
      }
      case 3: {  // insert random bytes
        const size_t n = 1 + below(8);
        const size_t at = below(b.size() + 1);
        Bytes ins(n);
        for (auto& x : ins) x = static_cast<uint8_t>(rng_());
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
        break;
      }
      case 4: {  // delete a range
        if (b.empty()) break;
        const size_t at = below(b.size());
        const size_t n = 1 + below(std::min<size_t>(b.size() - at, 64));
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(at),
                b.begin() + static_cast<std::ptrdiff_t>(at + n));
        break;
      }
      case 5: {  // duplicate a range somewhere else (repeats opcodes, headers)
        if (b.empty()) break;
        const size_t from = below(b.size());
        const size_t n = 1 + below(std::min<size_t>(b.size() - from, 64));
        Bytes chunk(b.begin() + static_cast<std::ptrdiff_t>(from),
                    b.begin() + static_cast<std::ptrdiff_t>(from + n));
        const size_t at = below(b.size() + 1);
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), chunk.begin(), chunk.end());
        break;
      }
      case 6: {  // splice: our head, another input's tail
        const Bytes& other = pool[below(pool.size())];
        const size_t cut = below(b.size() + 1);
        const size_t from = below(other.size() + 1);
        b.resize(cut);
        b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      default:  // truncate
        if (!b.empty()) b.resize(below(b.size()));
        break;
    }
  }

  std::mt19937_64 rng_;
  size_t max_len_;
};

bool flag(const char* arg, const char* name, uint64_t* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0) return false;
  *value = std::strtoull(arg + n, nullptr, 10);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t runs = 10000, seed = 0x5eed, max_len = 1 << 16;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    if (flag(argv[i], "-runs=", &runs) || flag(argv[i], "-seed=", &seed) ||
        flag(argv[i], "-max_len=", &max_len)) {
      continue;
    }
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (std::filesystem::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such corpus file or directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());  // directory order is not deterministic
  std::vector<Bytes> pool;
  for (const auto& f : files) pool.push_back(read_all(f));
  if (pool.empty()) pool.emplace_back();

  const auto start = std::chrono::steady_clock::now();
  for (const Bytes& b : pool) LLVMFuzzerTestOneInput(b.data(), b.size());
  Mutator m(seed, max_len);
  const size_t seeds = pool.size();
  for (uint64_t i = 0; i < runs; ++i) {
    Bytes b = pool[m.below(pool.size())];
    m.mutate(b, pool);
    LLVMFuzzerTestOneInput(b.data(), b.size());
    // Keep a few mutants as parents so mutations can stack up over generations.
    if (m.below(32) == 0) {
      if (pool.size() < seeds + 256) {
        pool.push_back(std::move(b));
      } else {
        pool[seeds + m.below(256)] = std::move(b);
      }
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu seeds + %llu mutants, seed %llu, %.1f s: no crash\n", seeds,
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(seed), secs);
  return 0;
}
