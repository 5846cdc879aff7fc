// Runs a libFuzzer target without libFuzzer, so that every compiler (g++ included) and every
// ctest run exercises it: first each seed of the corpus, then a bounded number of deterministic
// mutations of those seeds. A crash aborts the process (sanitizers report memory errors); the
// input that crashed is saved first so that it can be replayed alone.
//
//   fuzz_request CORPUS_DIR_OR_FILE... [--runs N] [--max-seconds S] [--seed N]
//                [--max-len BYTES] [--dict FILE]
//
// --max-seconds stops the mutations early on a slow or loaded machine (a sanitizer build on a
// shared CI runner): the same mutations in the same order, fewer of them, and the count run is
// printed. Every seed always runs.
//
// Files given directly (not in a folder) are run as they are, which replays a saved crash.

#include "tests/support/test_helpers.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional in a target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
// Present when a sanitizer runtime is linked: lets us save the input before it exits.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)());

namespace {

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;

struct options {
  std::vector<fs::path> inputs;
  std::uint64_t runs = 20'000;
  std::uint64_t max_seconds = 0;           // 0: no time bound
  std::uint64_t seed = 0x68657261'6c64ULL; // fixed: the same mutations on every run
  std::size_t max_len = 64 * 1024;
  std::vector<fs::path> dicts;
};

// -- crash capture ----------------------------------------------------------------------------

// What is running now, for the signal handler: only plain data, written with write(2).
const std::uint8_t* current_data = nullptr;
std::size_t current_size = 0;
char crash_file[256] = "fuzz-crash.bin";
volatile std::sig_atomic_t saved = 0;

void write_all(int fd, const void* data, std::size_t size) noexcept {
  auto p = static_cast<const char*>(data);
  while (size > 0) {
    auto n = ::write(fd, p, size);
    if (n <= 0)
      return;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void save_current_input() noexcept {
  if (saved || current_data == nullptr)
    return;
  saved = 1;
  int fd = ::open(crash_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    write_all(fd, current_data, current_size);
    ::close(fd);
  }
  const char head[] = "\nreplay: the target failed; its input is saved as ";
  write_all(2, head, sizeof head - 1);
  write_all(2, crash_file, std::strlen(crash_file));
  write_all(2, "\n", 1);
}

void on_fatal_signal(int sig) {
  save_current_input();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_crash_handlers() {
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    std::signal(sig, on_fatal_signal);
  if (__sanitizer_set_death_callback)
    __sanitizer_set_death_callback(save_current_input);
}

// -- mutation ---------------------------------------------------------------------------------

using herald::test::rng;

/// Tokens that matter to the parsers we own: HTTP framing and JSON syntax, plus boundary numbers.
const std::vector<std::string> builtin_tokens = {"\r\n",
                                                 "\r\n\r\n",
                                                 "\n",
                                                 "\r",
                                                 " ",
                                                 ":",
                                                 ": ",
                                                 "/",
                                                 "//",
                                                 "?",
                                                 "&",
                                                 "=",
                                                 "#",
                                                 "%",
                                                 "%20",
                                                 "%2F",
                                                 "%00",
                                                 "%0d%0a",
                                                 "%zz",
                                                 "HTTP/1.1",
                                                 "HTTP/1.0",
                                                 "HTTP/2",
                                                 "GET ",
                                                 "HEAD ",
                                                 "POST ",
                                                 "PUT ",
                                                 "DELETE ",
                                                 "OPTIONS * ",
                                                 "Host: x\r\n",
                                                 "Content-Length: ",
                                                 "Transfer-Encoding: chunked\r\n",
                                                 "Connection: close\r\n",
                                                 "Connection: keep-alive\r\n",
                                                 "Expect: 100-continue\r\n",
                                                 "0\r\n\r\n",
                                                 "ffffffffffffffff\r\n",
                                                 "/hello/",
                                                 "/echo",
                                                 "/boom",
                                                 "{",
                                                 "}",
                                                 "[",
                                                 "]",
                                                 "\"",
                                                 ",",
                                                 "null",
                                                 "true",
                                                 "false",
                                                 "\"bind\":",
                                                 "\"port\":",
                                                 "\"log_level\":",
                                                 "\"limits\":",
                                                 "\"io_threads\":",
                                                 "\"scheduler_threads\":",
                                                 "\"shutdown_grace_ms\":",
                                                 "\"max_connections\":",
                                                 "\"header_limit_bytes\":",
                                                 "\"body_limit_bytes\":",
                                                 "\"header_timeout_ms\":",
                                                 "\"body_timeout_ms\":",
                                                 "\"idle_timeout_ms\":",
                                                 "\"write_timeout_ms\":",
                                                 "\\u0000",
                                                 "\\\"",
                                                 "0",
                                                 "1",
                                                 "-1",
                                                 "9",
                                                 "10",
                                                 "1023",
                                                 "1024",
                                                 "65535",
                                                 "65536",
                                                 "4294967296",
                                                 "9223372036854775807",
                                                 "9223372036854775808",
                                                 "18446744073709551616",
                                                 "1e3",
                                                 "1.5",
                                                 "-0",
                                                 "1e309"};

/// Reads a libFuzzer dictionary: one `name="value"` or `"value"` a line, with \\, \" and \xNN.
std::vector<std::string> read_dict(const fs::path& file) {
  std::vector<std::string> out;
  std::ifstream in{file};
  if (!in) {
    std::cerr << "replay: cannot read dictionary " << file << '\n';
    std::exit(2);
  }
  std::string line;
  while (std::getline(in, line)) {
    auto open = line.find('"');
    auto close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open)
      continue;
    std::string token;
    for (auto i = open + 1; i < close; ++i) {
      if (line[i] != '\\' || i + 1 >= close) {
        token.push_back(line[i]);
      } else if (line[i + 1] == 'x' && i + 3 < close) {
        token.push_back(static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16)));
        i += 3;
      } else {
        token.push_back(line[++i]);
      }
    }
    out.push_back(std::move(token));
  }
  return out;
}

class mutator {
 public:
  mutator(const std::vector<bytes>& seeds, std::vector<std::string> tokens, std::uint64_t seed,
          std::size_t max_len)
      : seeds_(seeds), tokens_(std::move(tokens)), rng_(seed), max_len_(max_len) {}

  /// One new input: a seed with one to eight stacked mutations.
  bytes next() {
    bytes out = seeds_.empty() ? bytes{} : seeds_[rng_.below(seeds_.size())];
    auto rounds = 1 + rng_.below(8);
    for (std::size_t i = 0; i < rounds; ++i)
      mutate(out);
    if (out.size() > max_len_)
      out.resize(max_len_);
    return out;
  }

 private:
  void mutate(bytes& b) {
    switch (rng_.below(11)) {
    case 0: // flip one bit
      if (!b.empty())
        b[rng_.below(b.size())] ^= static_cast<std::uint8_t>(1u << rng_.below(8));
      break;
    case 1: { // overwrite one byte, often with a delimiter
      if (b.empty())
        break;
      static constexpr std::string_view special = "\r\n :/?%{}[]\",\\0\x7f\xff";
      b[rng_.below(b.size())] = rng_.chance(50)
                                    ? static_cast<std::uint8_t>(special[rng_.below(special.size())])
                                    : static_cast<std::uint8_t>(rng_.next());
      break;
    }
    case 2: { // insert a few random bytes
      auto at = rng_.below(b.size() + 1);
      auto n = 1 + rng_.below(8);
      for (std::size_t i = 0; i < n; ++i)
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at),
                 static_cast<std::uint8_t>(rng_.next()));
      break;
    }
    case 3: { // delete a range
      if (b.empty())
        break;
      auto at = rng_.below(b.size());
      auto n = 1 + rng_.below(std::min<std::size_t>(b.size() - at, 32));
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(at),
              b.begin() + static_cast<std::ptrdiff_t>(at + n));
      break;
    }
    case 4: { // copy a range elsewhere
      if (b.empty())
        break;
      auto from = rng_.below(b.size());
      auto n = 1 + rng_.below(std::min<std::size_t>(b.size() - from, 64));
      bytes piece(b.begin() + static_cast<std::ptrdiff_t>(from),
                  b.begin() + static_cast<std::ptrdiff_t>(from + n));
      auto at = rng_.below(b.size() + 1);
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), piece.begin(), piece.end());
      break;
    }
    case 5: { // splice: our head, another seed's tail
      if (seeds_.empty())
        break;
      const auto& other = seeds_[rng_.below(seeds_.size())];
      auto cut = rng_.below(b.size() + 1);
      auto from = rng_.below(other.size() + 1);
      b.resize(cut);
      b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
      break;
    }
    case 6:
    case 7: { // insert or overwrite with a token
      const auto& t = tokens_[rng_.below(tokens_.size())];
      auto at = rng_.below(b.size() + 1);
      if (rng_.chance(50) || at + t.size() > b.size())
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), t.begin(), t.end());
      else
        std::copy(t.begin(), t.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    }
    case 8: // truncate
      if (!b.empty())
        b.resize(rng_.below(b.size()));
      break;
    case 9: { // repeat a range many times: reaches size limits that single edits never do
      if (b.empty())
        break;
      auto from = rng_.below(b.size());
      auto n = 1 + rng_.below(std::min<std::size_t>(b.size() - from, 128));
      auto times = 1 + rng_.below(std::max<std::size_t>(1, max_len_ / n / 2));
      bytes piece(b.begin() + static_cast<std::ptrdiff_t>(from),
                  b.begin() + static_cast<std::ptrdiff_t>(from + n));
      bytes grown;
      grown.reserve(std::min(max_len_, n * times));
      for (std::size_t i = 0; i < times && grown.size() < max_len_; ++i)
        grown.insert(grown.end(), piece.begin(), piece.end());
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(from), grown.begin(), grown.end());
      break;
    }
    default: { // replace a run of digits by a boundary number
      static const std::vector<std::string> numbers = {"0",
                                                       "1",
                                                       "-1",
                                                       "255",
                                                       "256",
                                                       "1023",
                                                       "1024",
                                                       "16384",
                                                       "16385",
                                                       "65535",
                                                       "65536",
                                                       "1048576",
                                                       "1048577",
                                                       "2147483648",
                                                       "4294967295",
                                                       "4294967296",
                                                       "9223372036854775807",
                                                       "9223372036854775808",
                                                       "18446744073709551615",
                                                       "18446744073709551616",
                                                       "1e2",
                                                       "0x10"};
      auto digit = [](std::uint8_t c) {
        return c >= '0' && c <= '9';
      };
      auto start = std::find_if(b.begin() + static_cast<std::ptrdiff_t>(rng_.below(b.size() + 1)),
                                b.end(), digit);
      if (start == b.end())
        break;
      auto end = std::find_if_not(start, b.end(), digit);
      const auto& n = numbers[rng_.below(numbers.size())];
      auto at = b.erase(start, end);
      b.insert(at, n.begin(), n.end());
      break;
    }
    }
  }

  const std::vector<bytes>& seeds_;
  std::vector<std::string> tokens_;
  rng rng_;
  std::size_t max_len_;
};

// -- driver -----------------------------------------------------------------------------------

[[noreturn]] void usage_error(const char* program, const std::string& why) {
  std::cerr << program << ": " << why << "\nusage: " << program
            << " CORPUS_DIR_OR_FILE... [--runs N] [--max-seconds S] [--seed N] [--max-len BYTES]"
               " [--dict FILE]\n";
  std::exit(2);
}

std::uint64_t number(const char* program, std::string_view flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  auto n = std::strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0')
    usage_error(program, std::string{flag} + " needs a number, not '" + text + "'");
  return n;
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc)
        usage_error(argv[0], std::string{arg} + " needs a value");
      return argv[++i];
    };
    if (arg == "--runs")
      o.runs = number(argv[0], arg, value());
    else if (arg == "--max-seconds")
      o.max_seconds = number(argv[0], arg, value());
    else if (arg == "--seed")
      o.seed = number(argv[0], arg, value());
    else if (arg == "--max-len")
      o.max_len = static_cast<std::size_t>(number(argv[0], arg, value()));
    else if (arg == "--dict")
      o.dicts.emplace_back(value());
    else if (arg.starts_with("-"))
      usage_error(argv[0], "unknown option " + std::string{arg});
    else
      o.inputs.emplace_back(arg);
  }
  if (o.inputs.empty())
    usage_error(argv[0], "no corpus given");
  return o;
}

bytes read_file(const fs::path& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in) {
    std::cerr << "replay: cannot read " << file << '\n';
    std::exit(2);
  }
  return bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

/// Every regular file named on the command line or inside a named folder, folders sorted so
/// that the run is the same everywhere.
std::vector<bytes> read_seeds(const std::vector<fs::path>& inputs) {
  std::vector<bytes> seeds;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator{input})
        if (entry.is_regular_file())
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files)
        seeds.push_back(read_file(f));
    } else {
      seeds.push_back(read_file(input));
    }
  }
  return seeds;
}

/// Runs one input; the target's contract is to return 0 (or -1: "do not add to the corpus").
bool run_one(const bytes& input) {
  // A copy of exactly `size` bytes on the heap, so that ASan sees any read past the end.
  std::unique_ptr<std::uint8_t[]> copy{new std::uint8_t[input.size() ? input.size() : 1]};
  std::copy(input.begin(), input.end(), copy.get());
  current_data = copy.get();
  current_size = input.size();
  int rc = LLVMFuzzerTestOneInput(copy.get(), input.size());
  current_data = nullptr;
  return rc == 0 || rc == -1;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = parse_options(argc, argv);
  auto name = fs::path{argv[0]}.filename().string();
  std::snprintf(crash_file, sizeof crash_file, "%s-crash.bin", name.c_str());
  install_crash_handlers();
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);

  auto seeds = read_seeds(opts.inputs);
  auto tokens = builtin_tokens;
  for (const auto& d : opts.dicts) {
    auto more = read_dict(d);
    tokens.insert(tokens.end(), more.begin(), more.end());
  }

  auto start = std::chrono::steady_clock::now();
  std::uint64_t inputs = 0;
  std::uint64_t failures = 0;
  for (const auto& s : seeds) {
    ++inputs;
    failures += run_one(s) ? 0 : 1;
  }
  mutator m{seeds, std::move(tokens), opts.seed, opts.max_len};
  auto deadline = start + std::chrono::seconds{opts.max_seconds};
  std::uint64_t mutations = 0;
  for (; mutations < opts.runs; ++mutations) {
    // The clock is read every 256 inputs: cheap next to any target, fine enough for a bound.
    if (opts.max_seconds != 0 && mutations % 256 == 0 &&
        std::chrono::steady_clock::now() >= deadline)
      break;
    ++inputs;
    failures += run_one(m.next()) ? 0 : 1;
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << name << ": " << inputs << " inputs (" << seeds.size() << " seeds, " << mutations
            << " of " << opts.runs << " mutations";
  if (mutations < opts.runs)
    std::cout << ", stopped at the " << opts.max_seconds << " s bound";
  std::cout << "), " << failures << " failures, " << seconds << " s\n";
  return failures == 0 ? 0 : 1;
}
