// exit_code.hpp — relayctl's exit codes, the same for every subcommand (scripts and cron jobs rely on them).
#pragma once

namespace cli {

enum ExitCode : int {
  kOk = 0,           // success; every check passed
  kCheckFailed = 1,  // a check failed (preflight, spf check, dkim verify, ...)
  kUsage = 2,        // bad flags, bad configuration, unreadable input
  kTemporary = 3,    // temporary failure: DNS timeout, peer unreachable; try again later
};

}  // namespace cli
