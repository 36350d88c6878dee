#include "mta/config/secret_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

namespace mta::config {
namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string make_one(const std::filesystem::path& path, std::size_t min_bytes) {
  if (min_bytes < kMinSecretBytes)
    return "write the password into it with: (umask 077; printf '%s\\n' 'PASSWORD' > " + path.string() + ")";
  return "make one with: (umask 077; openssl rand -hex 32 > " + path.string() + ")";
}

}  // namespace

SecretFile read_secret_file(const std::filesystem::path& path, std::size_t min_bytes) {
  const std::string name = "secret file " + path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int error = errno;
    return {"", "cannot read " + name + ": " + std::strerror(error) +
                    (error == ENOENT ? "; " + make_one(path, min_bytes) : std::string())};
  }
  struct stat info {};
  std::string problem;
  if (::fstat(fd, &info) != 0)
    problem = "cannot read " + name + ": " + std::strerror(errno);
  else if (!S_ISREG(info.st_mode))
    problem = name + " is not a regular file";
  else if (info.st_mode & S_IRWXO)
    problem = name + " is open to every user (mode " + octal_mode(info.st_mode) +
              "): anyone could read the secret; fix with: chmod 600 " + path.string();
  else if (info.st_mode & S_IWGRP)
    problem = name + " is writable by its group (mode " + octal_mode(info.st_mode) +
              "); fix with: chmod 600 " + path.string();
  else if (info.st_size > static_cast<off_t>(kMaxSecretBytes + 2))
    problem = name + " is larger than " + std::to_string(kMaxSecretBytes) + " bytes; is it the right file?";
  if (!problem.empty()) {
    ::close(fd);
    return {"", problem};
  }
  std::string secret(kMaxSecretBytes + 2, '\0');
  std::size_t length = 0;
  while (length < secret.size()) {
    ssize_t n = ::read(fd, secret.data() + length, secret.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = "cannot read " + name + ": " + std::strerror(errno);
    if (n <= 0) break;
    length += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (length > 0 && secret[length - 1] == '\n') --length;
  if (length > 0 && secret[length - 1] == '\r') --length;
  if (problem.empty() && length < min_bytes)
    problem = name + " holds " + std::to_string(length) + " bytes, fewer than " + std::to_string(min_bytes) +
              "; " + make_one(path, min_bytes);
  else if (problem.empty() && length > kMaxSecretBytes)
    problem = name + " is larger than " + std::to_string(kMaxSecretBytes) + " bytes; is it the right file?";
  if (!problem.empty()) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return {"", problem};
  }
  OPENSSL_cleanse(secret.data() + length, secret.size() - length);
  secret.resize(length);
  return {std::move(secret), ""};
}

}  // namespace mta::config
