// The non-virtual helpers of File and the path helpers (file_system.hpp).
#include <cerrno>
#include <orchestrix/durable/file_system.hpp>
#include <orchestrix/errors.hpp>

namespace orchestrix::durable {

void File::write_all(std::uint64_t offset, std::span<const std::byte> data) {
  while (!data.empty()) {
    const std::size_t n = write_some(offset, data);
    if (n == 0 || n > data.size()) throw IoError("write", path(), EIO);
    offset += n;
    data = data.subspan(n);
  }
}

std::size_t File::read_full(std::uint64_t offset, std::span<std::byte> out) {
  std::size_t total = 0;
  while (total < out.size()) {
    const std::size_t n = read_some(offset + total, out.subspan(total));
    if (n == 0) break;
    total += n;
  }
  return total;
}

std::string join_path(const std::string& directory, const std::string& name) {
  if (directory.empty()) return name;
  if (directory.back() == '/') return directory + name;
  return directory + "/" + name;
}

std::string parent_directory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace orchestrix::durable
