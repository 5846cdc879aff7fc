#include "support/jwt_maker.hpp"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace herald::test {

namespace fs = std::filesystem;

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(bytes[k]);
  };
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6)
      out += alphabet[(n >> s) & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned n = byte(i) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    unsigned n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
  }
  return out;
}

scratch_dir::scratch_dir() {
  std::random_device rd;
  path_ =
      fs::temp_directory_path() / ("herald-auth-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

scratch_dir::~scratch_dir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out{p, std::ios::binary};
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + p.string());
}

void run(const std::string& command) {
  if (std::system((command + " 2>/dev/null").c_str()) != 0)
    throw std::runtime_error("failed: " + command);
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

/// `openssl dgst -sha256 <how>` over `input`, as raw bytes.
std::string digest(std::string_view input, const std::string& how, const fs::path& dir) {
  auto in = dir / "signing-input";
  auto out = dir / "signature";
  write_file(in, input);
  run("openssl dgst -sha256 -binary " + how + " -out " + quoted(out) + " " + quoted(in));
  return read_file(out);
}

} // namespace

rsa_keys make_rsa_keys(const fs::path& dir) {
  rsa_keys k{dir / "private.pem", dir / "public.pem"};
  run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + quoted(k.private_pem));
  run("openssl pkey -in " + quoted(k.private_pem) + " -pubout -out " + quoted(k.public_pem));
  return k;
}

std::string sign_hs256(std::string_view header, std::string_view payload, std::string_view secret,
                       const fs::path& dir) {
  auto input = base64url(header) + "." + base64url(payload);
  // The key goes through a file-free hex form, so that any bytes may be in it.
  std::string hex;
  for (unsigned char c : secret) {
    static constexpr char digits[] = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  return input + "." + base64url(digest(input, "-mac HMAC -macopt hexkey:" + hex, dir));
}

std::string sign_rs256(std::string_view header, std::string_view payload, const rsa_keys& keys,
                       const fs::path& dir) {
  auto input = base64url(header) + "." + base64url(payload);
  return input + "." + base64url(digest(input, "-sign " + quoted(keys.private_pem), dir));
}

long long unix_time(std::chrono::seconds offset) {
  return std::chrono::duration_cast<std::chrono::seconds>(
             (std::chrono::system_clock::now() + offset).time_since_epoch())
      .count();
}

} // namespace herald::test
