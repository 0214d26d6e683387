#include "hub/file_download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <optional>
#include <utility>

#include "hub/backoff.h"
#include "hub/content_range.h"
#include "hub/hub_errors.h"
#include "io/error.h"
#include "io/interrupt.h"
#include "io/sha256.h"

namespace ckpt::hub {
namespace {

std::string header(const Headers& h, const std::string& name) {
  auto it = h.find(name);
  return it == h.end() ? std::string() : it->second;
}

// Appends a response body to the temporary file, hashing as it goes.
class FileSink final : public BodySink {
 public:
  FileSink(int fd, const std::string& path, const std::string& url, const std::string& label,
           Sha256& hash, uint64_t& written, Progress& progress, bool& progress_started)
      : fd_(fd),
        path_(path),
        url_(url),
        label_(label),
        hash_(hash),
        written_(written),
        progress_(progress),
        progress_started_(progress_started) {}

  bool begin(long status, const Headers& headers) override {
    try {
      if (status == 206) {
        const std::string v = header(headers, "content-range");
        auto cr = parse_content_range(v);
        if (!cr || !cr->first || *cr->first != written_) {
          throw_io(url_, "answer to a request from byte " + std::to_string(written_) +
                             " has Content-Range \"" + v + "\"");
        }
        total_ = cr->total;
      } else if (status == 200) {
        if (written_ > 0) {  // the server ignored Range: start again from byte 0
          if (::ftruncate(fd_, 0) != 0) throw_errno(path_, "cannot truncate", errno);
          hash_.reset();
          written_ = 0;
        }
        total_ = parse_decimal_u64(header(headers, "content-length"));
      } else {
        throw_io(url_, "unexpected HTTP status " + std::to_string(status) + " for a download");
      }
      if (!progress_started_) {  // bytes kept from an earlier run count as done
        progress_started_ = true;
        progress_.start(label_, total_.value_or(0));
        if (written_ > 0) progress_.advance(written_);
      }
      return true;
    } catch (...) {
      error_ = std::current_exception();
      return false;
    }
  }

  bool write(const char* data, size_t n) override {
    try {
      check_interrupted();
      size_t done = 0;
      while (done < n) {
        ssize_t w = ::write(fd_, data + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) throw_errno(path_, "cannot write", errno);
        if (w == 0) throw_errno(path_, "cannot write", ENOSPC);
        done += static_cast<size_t>(w);
      }
      hash_.update(data, n);
      written_ += n;
      progress_.advance(n);
      return true;
    } catch (...) {
      error_ = std::current_exception();
      return false;
    }
  }

  void rethrow_if_failed() const {
    if (error_) std::rethrow_exception(error_);
  }
  std::optional<uint64_t> total() const { return total_; }

 private:
  int fd_;
  const std::string& path_;
  const std::string& url_;
  const std::string& label_;
  Sha256& hash_;
  uint64_t& written_;
  Progress& progress_;
  bool& progress_started_;
  std::optional<uint64_t> total_;
  std::exception_ptr error_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

class ProgressGuard {
 public:
  ProgressGuard(Progress& p, bool& started) : p_(p), started_(started) {}
  ~ProgressGuard() {
    if (started_) p_.finish();
  }
  ProgressGuard(const ProgressGuard&) = delete;
  ProgressGuard& operator=(const ProgressGuard&) = delete;

 private:
  Progress& p_;
  bool& started_;
};

[[noreturn]] void fail_and_delete(const std::string& temp_path, const std::string& url,
                                  const std::string& detail) {
  std::remove(temp_path.c_str());
  throw_io(url, detail);
}

}  // namespace

std::string normalize_etag(const std::string& etag) {
  std::string e = etag;
  if (e.rfind("W/", 0) == 0) e = e.substr(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return e;
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

DownloadResult download_to_temp(HttpClient& client, const HubOptions& options,
                                const std::string& url, const std::string& temp_path,
                                const std::string& file, Progress& progress) {
  Fd fd(::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw_errno(temp_path, "cannot create", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno(temp_path, "cannot stat", errno);
  uint64_t written = static_cast<uint64_t>(st.st_size);
  Sha256 hash;
  if (written > 0) sha256_update_from_file(hash, temp_path, written);  // resuming: hash the prefix

  bool progress_started = false;
  ProgressGuard guard(progress, progress_started);
  Backoff backoff(options);
  std::optional<uint64_t> total;
  std::optional<uint64_t> announced;  // the first total the server gave; later ones must agree
  auto note_total = [&](std::optional<uint64_t> t) {
    if (!t) return;
    if (announced && *announced != *t) {
      fail_and_delete(temp_path, url,
                      "size mismatch: the server announced " + std::to_string(*announced) +
                          " bytes, then " + std::to_string(*t));
    }
    announced = t;
  };
  HttpResponse last;
  for (;;) {
    FileSink sink(fd.get(), temp_path, url, file, hash, written, progress, progress_started);
    HttpResponse r =
        client.get(url, written > 0 ? std::optional<uint64_t>(written) : std::nullopt, &sink);
    sink.rethrow_if_failed();
    note_total(sink.total());
    if (r.curl_code == 0 && (r.status == 200 || r.status == 206)) {
      total = sink.total();
      last = std::move(r);
      break;
    }
    if (r.curl_code == 0 && r.status == 416) {
      // Nothing left to send: complete if the file already has the whole size.
      auto cr = parse_content_range(header(r.headers, "content-range"));
      if (cr) note_total(cr->total);
      if (cr && cr->total && *cr->total == written) {
        total = cr->total;
        last = std::move(r);
        break;
      }
      if (::ftruncate(fd.get(), 0) != 0) throw_errno(temp_path, "cannot truncate", errno);
      hash.reset();
      written = 0;
      if (backoff.wait()) continue;
      throw_gave_up(url, r, backoff.attempts());
    }
    retry_or_throw(url, r, backoff, options, RequestSubject{file});
  }
  if (!progress_started) {  // 416 on a complete file: still show the file as done
    progress.start(file, written);
    progress.advance(written);
  }
  if (::fdatasync(fd.get()) != 0) throw_errno(temp_path, "cannot sync", errno);
  if (::close(fd.release()) != 0) throw_errno(temp_path, "cannot close", errno);

  DownloadResult result;
  result.size = written;
  result.sha256 = hash.hex_digest();
  const std::string linked_etag = normalize_etag(last.hub_header("x-linked-etag"));
  result.etag = linked_etag.empty() ? normalize_etag(last.hub_header("etag")) : linked_etag;
  result.commit = last.hub_header("x-repo-commit");

  if (total && *total != written) {
    fail_and_delete(temp_path, url,
                    "size mismatch: downloaded " + std::to_string(written) +
                        " bytes, the server announced " + std::to_string(*total));
  }
  const std::string linked_size = last.hub_header("x-linked-size");
  if (!linked_size.empty()) {
    auto announced = parse_decimal_u64(linked_size);
    if (!announced || *announced != written) {
      fail_and_delete(temp_path, url,
                      "size mismatch: downloaded " + std::to_string(written) +
                          " bytes, the hub announced " + linked_size + " (X-Linked-Size)");
    }
  }
  if (is_sha256_hex(linked_etag)) {
    std::string want = linked_etag;
    for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (want != result.sha256) {
      fail_and_delete(temp_path, url,
                      "sha256 mismatch: downloaded " + result.sha256 + ", the hub announced " +
                          want + " (X-Linked-Etag)");
    }
  }
  return result;
}

}  // namespace ckpt::hub
