#include "astrom3/common/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>

#include "astrom3/common/error.h"

namespace astrom3 {
namespace fs = std::filesystem;

void prepare_output_location(const fs::path& target) {
  const auto parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::exists(parent, ec)) fs::create_directories(parent, ec);
  if (ec || !fs::is_directory(parent)) {
    throw Error("cannot write " + target.string() + ": cannot create directory " + parent.string() +
                (ec ? " (" + ec.message() + ")" : ""));
  }
  if (::access(parent.c_str(), W_OK) != 0) {
    throw Error("cannot write " + target.string() + ": directory " + parent.string() +
                " is not writable");
  }
  if (fs::is_directory(target, ec)) {
    throw Error("cannot write " + target.string() + ": it is a directory");
  }
}

AtomicOutput::AtomicOutput(fs::path target) : target_(std::move(target)) {
  static std::atomic<unsigned> counter{0};
  prepare_output_location(target_);
  const auto parent = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  temp_ = parent / ("." + target_.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter++));
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(temp_, ec);
  }
}

void AtomicOutput::commit() {
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) {
    throw Error("cannot rename " + temp_.string() + " to " + target_.string() + ": " +
                ec.message());
  }
  committed_ = true;
}

void write_text_file_atomic(const fs::path& path, const std::string& text) {
  AtomicOutput out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f << text;
    f.close();
    if (!f) throw Error("cannot write " + out.temp_path().string());
  }
  out.commit();
}

}  // namespace astrom3
