#pragma once
// SHA-256 (FIPS 180-4) for config-hash-get, so pure targets need no OpenSSL.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tandem {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::uint8_t> data);
  void update(std::string_view text);
  std::array<std::uint8_t, 32> finish();

 private:
  void block(const std::uint8_t* p);

  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t bufLen_ = 0;
  std::uint64_t totalBits_ = 0;
};

// Upper-case hex digest, the form Kea's config-hash-get returns.
std::string sha256Hex(std::string_view text);

}  // namespace tandem
