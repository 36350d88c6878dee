// dkim_tools.hpp — DKIM helpers for tests: the fixture keys of tests/fixtures/dkim/ copied into a temp dir
// with mode 0600 (relayctl refuses the checked-out 0644 files), and the independent verifier
// tests/support/dkim_verify.py (Debian's python3-dkim) run on a message.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

// Copies tests/fixtures/dkim/NAME.pem to DIR/NAME.pem with mode 0600 and returns its path.
std::filesystem::path private_dkim_key(const TempDir& dir, const std::string& name);

// python3-dkim's verdict on every signature of message: keys from the DNS server at nameserver
// ("127.0.0.1:PORT"), or, when record is given, that key record for every selector. Exit 0: all pass.
RunResult python_dkim_verify(const std::string& message, const std::string& nameserver,
                             const std::string& record = "");

}  // namespace relay::test
