#include "sync/json_text.h"

namespace tandem::sync {

namespace {

void appendUtf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

unsigned hex4(const char* p) {
  unsigned cp = 0;
  for (int i = 0; i < 4; ++i) cp = cp << 4 | static_cast<unsigned>(jsonHexDigit(p[i]));
  return cp;
}

}  // namespace

void unescapeJson(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  const char* p = raw.data();
  const char* end = p + raw.size();
  while (p < end) {
    const void* hit = std::memchr(p, '\\', static_cast<std::size_t>(end - p));
    const char* bs = hit ? static_cast<const char*>(hit) : end;
    out.append(p, bs);
    if (bs == end) break;
    switch (bs[1]) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned cp = hex4(bs + 2);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(bs + 8) - 0xDC00);
          p = bs + 12;
        } else {
          p = bs + 6;
        }
        appendUtf8(out, cp);
        continue;
      }
      default: out += bs[1]; break;  // '"', '\\', '/'
    }
    p = bs + 2;
  }
}

}  // namespace tandem::sync
