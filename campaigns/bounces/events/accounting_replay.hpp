// accounting_replay.hpp — reads the accounting log (mta/delivery/accounting_log.hpp) on from a checkpoint,
// so that the attempts whose events were not yet recorded when the daemon stopped (killed, or a queue
// overflow) are recorded now. The checkpoint names a file by device and inode: if the log at PATH is that
// file, from its offset; if not (AccountingLog rotated it to PATH.YYYYMMDDTHHMMSS[.N]), the rest of the
// rotated file with that inode, then every rotated file named after it, then PATH from 0; a file moved
// away by an external logrotate (PATH.1, any PATH.* with the inode): its rest, then PATH. No checkpoint,
// or its file gone (deleted by an operator): PATH from 0, and checkpoint_lost says so. Only complete lines
// are read (the position stops after the last '\n').
// Errors: a file that cannot be opened or read ends the replay with error set (what was read is kept).
// Untrusted input: the log's lines, though ours, may be damaged: a line longer than max_line or that
// parse_json_line refuses is skipped and counted, never fatal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mta/delivery/accounting_log.hpp"

namespace campaigns {

inline constexpr std::size_t kMaxAccountingLine = 64 * 1024;  // a line is ~1 KiB; a reply at most a few

struct ReplayResult {
  mta::delivery::LogPosition end;  // after the last complete line read (inode 0: nothing to read)
  std::uint64_t lines = 0;         // attempts handed to each
  std::uint64_t damaged = 0;       // lines skipped
  bool checkpoint_lost = false;    // the checkpoint's file is nowhere: PATH was read from 0
  std::string error;
};

// The files to read from the checkpoint on, in order, with the offset to start each at.
struct ReplayFile {
  std::filesystem::path path;
  std::uint64_t offset = 0;
};
std::vector<ReplayFile> replay_plan(const std::filesystem::path& log,
                                    const std::optional<mta::delivery::LogPosition>& from, bool& lost);

// Calls each(attempt, position after its line) for every complete, valid line from the checkpoint on.
ReplayResult replay_accounting_log(
    const std::filesystem::path& log, const std::optional<mta::delivery::LogPosition>& from,
    const std::function<void(const mta::delivery::Attempt&, const mta::delivery::LogPosition&)>& each,
    std::size_t max_line = kMaxAccountingLine);

}  // namespace campaigns
