// A fixed set of threads that split a range of rows between them. The calling thread takes a
// share too, so Workers(1) runs everything inline.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ckpt {

class Workers {
 public:
  explicit Workers(int threads);
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  int size() const { return static_cast<int>(threads_.size()) + 1; }

  // Calls fn(b, e) on disjoint sub-ranges covering [begin, end), each a multiple of `grain`
  // long except the last, and returns when all are done. Rethrows the first exception.
  void run(int64_t begin, int64_t end, int64_t grain,
           const std::function<void(int64_t, int64_t)>& fn);

 private:
  void loop(int index);
  void run_share(int index);

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  // The current job.
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t begin_ = 0, end_ = 0, grain_ = 1;
  std::exception_ptr error_;
};

}  // namespace ckpt
