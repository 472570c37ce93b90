#include "dhcpd/net/control_json_framer.h"

namespace tandem::net {

ControlJsonFramer::State ControlJsonFramer::feed(std::string_view data) noexcept {
  for (; pos_ < data.size(); ++pos_) {
    const char c = data[pos_];
    if (!started_) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      // Commands are maps; anything else cannot be framed by brackets and is answered as
      // malformed once it is all here (or at once, by the caller).
      if (c != '{' && c != '[') return State::NotJsonContainer;
      started_ = true;
      depth_ = 1;
      continue;
    }
    if (inString_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        inString_ = false;
      }
      continue;
    }
    if (c == '"') {
      inString_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        end_ = ++pos_;
        return State::Complete;
      }
    }
  }
  return State::NeedMore;
}

}  // namespace tandem::net
