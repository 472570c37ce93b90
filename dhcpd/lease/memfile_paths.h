#pragma once
// File names of Kea's memfile lease-file cleanup (LFC), which we follow exactly so that a
// Kea deployment's files are picked up by tandemd and ours by Kea (Memfile_LeaseMgr::
// appendSuffix, kea-lfc):
//   name            the file the server appends to
//   name.1          "input": the former `name`, moved aside when a compaction starts
//   name.2          "previous": the result of the last completed compaction
//   name.output     the compaction being written (incomplete by definition)
//   name.completed  a finished compaction, not yet renamed to name.2
// Start-up loads name.completed (when present, it supersedes .2 and .1) or else name.2 then
// name.1, then name; later rows replace earlier ones for the same address.
#include <string>

namespace tandem {

struct MemfilePaths {
  std::string name;

  std::string current() const { return name; }
  std::string input() const { return name + ".1"; }
  std::string previous() const { return name + ".2"; }
  std::string output() const { return name + ".output"; }
  std::string completed() const { return name + ".completed"; }
};

}  // namespace tandem
