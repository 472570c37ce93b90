#pragma once
// Limits of Kea's SQL lease backends, shared by the row codecs and the journal.
#include <cstdint>

namespace tandem {

// Kea stores no expiry past MAX_DB_TIME (DatabaseConnection::MAX_DB_TIME, 2038-01-19).
inline constexpr std::int64_t kSqlMaxDbTime = 2147483647;
// Kea's Lease::INFINITY_LFT: such a lease is stored with expire = cltt.
inline constexpr std::uint32_t kInfiniteLifetime = 0xffffffffu;

}  // namespace tandem
