#include "heartbeat/http_date.h"

#include <array>
#include <chrono>
#include <cstdint>

#include <fmt/format.h>

namespace tandem::heartbeat {

namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, 1970-01-01 = 0).
constexpr std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day;
};

constexpr Civil civilFromDays(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

struct Split {
  Civil date;
  unsigned hour, minute, second, weekday;
};

Split split(TimePoint t) {
  const std::int64_t secs = toEpochSeconds(t);
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // 1970-01-01 was a Thursday (index 4).
  const unsigned weekday = static_cast<unsigned>(((days % 7) + 11) % 7);
  return {civilFromDays(days), static_cast<unsigned>(rem / 3600), static_cast<unsigned>(rem % 3600 / 60),
          static_cast<unsigned>(rem % 60), weekday};
}

bool digits(std::string_view s, unsigned& out) noexcept {
  if (s.empty()) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

}  // namespace

std::string formatRfc1123(TimePoint t) {
  const Split s = split(t);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[s.weekday], s.date.day,
                     kMonths[s.date.month - 1], s.date.year, s.hour, s.minute, s.second);
}

std::string formatSystemTime(TimePoint t) {
  const Split s = split(t);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", s.date.year, s.date.month, s.date.day, s.hour, s.minute,
                     s.second);
}

std::optional<TimePoint> parseRfc1123(std::string_view t) noexcept {
  // "Sun, 22 Nov 2026 08:07:35 GMT": fixed width, 29 characters.
  if (t.size() != 29 || t[3] != ',' || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' || t[19] != ':' ||
      t[22] != ':' || t[25] != ' ' || t.substr(26) != "GMT") {
    return std::nullopt;
  }
  bool dayOk = false;
  for (auto d : kDays) dayOk = dayOk || d == t.substr(0, 3);
  if (!dayOk) return std::nullopt;
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == t.substr(8, 3)) month = i + 1;
  }
  unsigned day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (month == 0 || !digits(t.substr(5, 2), day) || !digits(t.substr(12, 4), year) || !digits(t.substr(17, 2), hour) ||
      !digits(t.substr(20, 2), minute) || !digits(t.substr(23, 2), second)) {
    return std::nullopt;
  }
  static constexpr unsigned kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const unsigned maxDay = month == 2 && !leap ? 28 : kMonthDays[month - 1];
  // Second 60 is accepted for a leap second, as IMF-fixdate allows.
  if (day == 0 || day > maxDay || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::int64_t secs = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  // TimePoint counts nanoseconds in 64 bits (years 1677..2262): a partner's date outside that
  // is refused, not converted (the conversion would overflow; found by tests/fuzz).
  constexpr std::int64_t kMax =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::max().time_since_epoch()).count();
  constexpr std::int64_t kMin =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::min().time_since_epoch()).count();
  if (secs >= kMax || secs <= kMin) return std::nullopt;
  return fromEpochSeconds(secs);
}

}  // namespace tandem::heartbeat
