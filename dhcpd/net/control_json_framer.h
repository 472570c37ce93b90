#pragma once
// Finds the end of one JSON command in a byte stream. A UNIX-socket client (socat, Kea's
// tools) may deliver its command in several reads and does not close its side first, so the
// server must know when a complete value has arrived without a length prefix.
#include <cstddef>
#include <string_view>

namespace tandem::net {

class ControlJsonFramer {
 public:
  enum class State { NeedMore, Complete, NotJsonContainer };

  // Scans the bytes appended since the last call (`data` is the whole buffer so far).
  State feed(std::string_view data) noexcept;
  // Length of the complete value (valid when feed() returned Complete).
  std::size_t end() const noexcept { return end_; }

 private:
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  int depth_ = 0;
  bool started_ = false;
  bool inString_ = false;
  bool escape_ = false;
};

}  // namespace tandem::net
