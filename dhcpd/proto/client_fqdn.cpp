#include "dhcpd/proto/client_fqdn.h"

namespace tandem::proto {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

// Bytes of the wire form: a length byte per label, the label, and the root label.
std::size_t wireLength(const std::vector<std::string>& labels) noexcept {
  std::size_t n = 1;
  for (const auto& l : labels) n += 1 + l.size();
  return n;
}

std::string labelsToText(const std::vector<std::string>& labels, bool omitFinalDot, bool escape) {
  if (labels.empty()) return ".";  // the root is "." whatever omitFinalDot says (Kea)
  std::string out;
  for (const auto& label : labels) {
    if (!out.empty()) out.push_back('.');
    for (char ch : label) {
      const auto c = static_cast<unsigned char>(ch);
      if (!escape) {
        out.push_back(ch);
        continue;
      }
      switch (c) {
        // Characters special in master files (RFC 1035 5.1), as Kea's LabelSequence::toText.
        case '"':
        case '(':
        case ')':
        case '.':
        case ';':
        case '\\':
        case '@':
        case '$':
          out.push_back('\\');
          out.push_back(ch);
          break;
        default:
          if (c > 0x20 && c < 0x7f) {
            out.push_back(ch);
          } else {
            out.push_back('\\');
            out.push_back(char('0' + c / 100));
            out.push_back(char('0' + (c / 10) % 10));
            out.push_back(char('0' + c % 10));
          }
      }
    }
  }
  if (!omitFinalDot) out.push_back('.');
  return out;
}

}  // namespace

Result<DnsName> DnsName::fromText(std::string_view text, bool downcase) {
  // Kea's Name(const std::string&, bool) text parser (from BIND 9), state for state.
  enum class State { Init, Start, Ordinary, InitialEscape, Escape, EscDecimal };
  DnsName name;
  if (text.empty()) return makeError("incomplete textual name (empty)");
  if (text == "." || text == "@") return name;
  if (text.front() == '.') return makeError("non terminating empty label");
  State state = State::Start;
  std::string label;
  unsigned digits = 0, value = 0;
  bool done = false;
  auto push = [&](unsigned char c) -> bool {
    if (label.size() >= kMaxLabel) return false;
    label.push_back(downcase ? lower(char(c)) : char(c));
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (done) break;
    switch (state) {
      case State::Init:
      case State::Start:
        label.clear();
        if (c == '\\') {
          state = State::InitialEscape;
          break;
        }
        state = State::Ordinary;
        [[fallthrough]];
      case State::Ordinary:
        if (c == '.') {
          if (label.empty()) return makeError("duplicate period (empty label)");
          name.labels_.push_back(label);
          if (wireLength(name.labels_) > kMaxWire) return makeError("name is too long");
          if (i + 1 == text.size()) done = true;
          state = State::Start;
        } else if (c == '\\') {
          state = State::Escape;
        } else if (!push(static_cast<unsigned char>(c))) {
          return makeError("label is too long");
        }
        break;
      case State::InitialEscape:
        if (c == '[') return makeError("invalid label type (bitstring)");
        state = State::Escape;
        [[fallthrough]];
      case State::Escape:
        if (!isDigit(c)) {
          if (!push(static_cast<unsigned char>(c))) return makeError("label is too long");
          state = State::Ordinary;
          break;
        }
        digits = 0;
        value = 0;
        state = State::EscDecimal;
        [[fallthrough]];
      case State::EscDecimal:
        if (!isDigit(c)) return makeError("mixture of escaped digit and non-digit");
        value = value * 10 + unsigned(c - '0');
        if (++digits == 3) {
          if (value > 255) return makeError("escaped decimal is too large");
          if (!push(static_cast<unsigned char>(value))) return makeError("label is too long");
          state = State::Ordinary;
        }
        break;
    }
  }
  if (!done) {
    if (state != State::Ordinary) return makeError("incomplete textual name");
    name.labels_.push_back(label);
  }
  if (wireLength(name.labels_) > kMaxWire) return makeError("name is too long");
  return name;
}

Result<DnsName> DnsName::fromWire(std::span<const std::uint8_t> wire, bool downcase) {
  DnsName name;
  std::size_t used = 0;
  for (std::size_t i = 0; i < wire.size();) {
    const std::uint8_t len = wire[i++];
    if (len == 0) return name;
    // Kea reads compression pointers but none can point before the start of the option's
    // name, so every pointer is out of range; 0x40-0xbf are extended label types.
    if (len > kMaxLabel) return makeError("bad label length or compression pointer in wire-format name");
    used += 1 + len;
    if (used + 1 > kMaxWire) return makeError("wire name is too long");
    if (i + len > wire.size()) break;
    std::string label(reinterpret_cast<const char*>(wire.data() + i), len);
    if (downcase) {
      for (char& c : label) c = lower(c);
    }
    name.labels_.push_back(std::move(label));
    i += len;
  }
  return makeError("incomplete wire-format name");
}

std::string DnsName::toText(bool omitFinalDot) const { return labelsToText(labels_, omitFinalDot, true); }

std::string DnsName::toRawText(bool omitFinalDot) const { return labelsToText(labels_, omitFinalDot, false); }

std::vector<std::uint8_t> DnsName::toWire() const {
  std::vector<std::uint8_t> out;
  out.reserve(wireLength(labels_));
  for (const auto& l : labels_) {
    out.push_back(static_cast<std::uint8_t>(l.size()));
    out.insert(out.end(), l.begin(), l.end());
  }
  out.push_back(0);
  return out;
}

Result<ClientFqdn> ClientFqdn::parse(std::span<const std::uint8_t> data) {
  if (data.size() < 3) return makeError("DHCPv4 Client FQDN option (81) is truncated");
  ClientFqdn f;
  f.flags = data[0];
  f.rcode1 = data[1];
  f.rcode2 = data[2];
  // RFC 4702 2.1: if N is 1, S MUST be 0. Kea ignores the MBZ bits.
  if (f.flag(kFlagN) && f.flag(kFlagS)) return makeError("both N and S flags of the Client FQDN option are set");
  const auto nameData = data.subspan(3);
  if (nameData.empty()) return f;
  if (f.flag(kFlagE)) {
    // RFC 4702 2.3.1: a partial name lacks the terminating root label.
    f.partial = nameData.back() != 0;
    std::vector<std::uint8_t> buf(nameData.begin(), nameData.end());
    if (f.partial) buf.push_back(0);
    auto n = DnsName::fromWire(buf, true);
    if (!n) return makeError("failed to parse the domain-name in the Client FQDN option: " + n.error().message);
    f.name = std::move(*n);
  } else {
    // Every byte is the name's, a NUL too (Kea 2.2 answers "host\0" with "host\000.").
    const std::string_view text(reinterpret_cast<const char*>(nameData.data()), nameData.size());
    auto n = DnsName::fromText(text, true);
    if (!n) return makeError("failed to parse the domain-name in the Client FQDN option: " + n.error().message);
    f.name = std::move(*n);
    f.partial = text.back() != '.';
  }
  return f;
}

std::vector<std::uint8_t> ClientFqdn::encode() const {
  std::vector<std::uint8_t> out{flags, rcode1, rcode2};
  if (!name) return out;
  if (flag(kFlagE)) {
    std::vector<std::uint8_t> w = name->toWire();
    if (partial) w.pop_back();
    out.insert(out.end(), w.begin(), w.end());
  } else {
    const std::string t = name->toText(false);
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

std::string ClientFqdn::domainName() const { return name ? name->toText(partial) : std::string(); }

}  // namespace tandem::proto
