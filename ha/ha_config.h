#pragma once
// Typed form of the `high-availability` parameters of a `libdhcp_ha.so` hooks-libraries entry,
// validated as Kea's HAConfigParser + HAConfig::validate do (reference/ha-protocol.md sections
// 1.2, 3.1, 7, 8, 11), plus two tandem extensions: `pool-split` and `takeover-delay`.
// Every error names its JSON path, e.g.
//   Dhcp4/hooks-libraries/1/parameters/high-availability/0/peers/1/url: ...
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/http_url.h"
#include "dhcpd/common/result.h"
#include "ha/ha_state.h"

namespace tandem::ha {

enum class HaMode : std::uint8_t { LoadBalancing, HotStandby, PassiveBackup };
enum class Role : std::uint8_t { Primary, Secondary, Standby, Backup };
// state-machine.states[].pause
enum class PauseMode : std::uint8_t { Never, Once, Always };

std::string_view toString(HaMode m) noexcept;
std::string_view toString(Role r) noexcept;
std::string_view toString(PauseMode p) noexcept;
std::optional<HaMode> parseHaMode(std::string_view text) noexcept;
std::optional<Role> parseRole(std::string_view text) noexcept;

// A peer URL (Kea 2.2 accepts only address literals; tandemd also takes a DNS name, which the
// daemon resolves at start-up): the one HTTP URL type, dhcpd/common/http_url.h.
using PeerUrl = HttpUrl;

struct PeerConfig {
  std::string name;
  PeerUrl url;
  Role role = Role::Primary;
  bool autoFailover = true;
  // Basic auth sent TO this peer (and accepted by our listener when this is our own entry).
  // Empty user = no Authorization header, as in Kea.
  std::string basicAuthUser;
  std::string basicAuthPassword;
  // Kea reads these files' first line at configuration time; the daemon does that
  // (this parser stays free of file I/O).
  std::string basicAuthUserFile;
  std::string basicAuthPasswordFile;
  // TLS material after merging the relationship-level values (section 7): all three set or
  // none. An explicit "" at peer level disables TLS for that peer.
  std::string trustAnchor;
  std::string certFile;
  std::string keyFile;

  bool tls() const noexcept { return !trustAnchor.empty(); }
  bool operator==(const PeerConfig&) const = default;
};

struct MultiThreadingConfig {
  bool enableMultiThreading = true;
  bool httpDedicatedListener = true;
  std::uint32_t httpListenerThreads = 0;  // 0 = as many as DHCP worker threads
  std::uint32_t httpClientThreads = 0;

  bool operator==(const MultiThreadingConfig&) const = default;
};

// One HA relationship (one element of the `high-availability` list).
struct HaConfig {
  std::size_t index = 0;  // position in the list; origins are 1000+index / 2000+index
  std::string thisServerName;
  HaMode mode = HaMode::LoadBalancing;

  std::chrono::milliseconds heartbeatDelay{10000};
  std::chrono::milliseconds maxResponseDelay{60000};
  std::chrono::milliseconds maxAckDelay{10000};
  std::uint32_t maxUnackedClients = 10;
  std::uint32_t maxRejectedLeaseUpdates = 10;
  std::uint32_t delayedUpdatesLimit = 0;  // default 100 in load-balancing, 0 otherwise
  bool sendLeaseUpdates = true;
  bool syncLeases = true;
  std::chrono::milliseconds syncTimeout{60000};
  std::uint32_t syncPageLimit = 10000;
  bool waitBackupAck = false;

  bool requireClientCerts = true;
  // Kea 2.1.7-2.6 default (false): the peer listener runs every command. When true it runs only
  // what a peer sends (peerListenerAllows). Not on by default because operators point
  // tandemctl at the peer URL (tandemctl ha status reads config-get there) and Kea 2.x pairs
  // share configs that omit the key.
  bool restrictCommands = false;
  std::string trustAnchor, certFile, keyFile;  // relationship level, as configured
  MultiThreadingConfig multiThreading;
  std::map<HaState, PauseMode> pauses;  // states absent here never pause

  // Tandem extensions (ignored by Kea's parser, which does not check unknown keys).
  bool poolSplit = true;                     // split free addresses between LB peers
  std::chrono::seconds takeoverDelay{3600};  // partner-down time before taking its share

  std::vector<PeerConfig> peers;  // configuration order

  const PeerConfig& thisServer() const;
  const PeerConfig* find(std::string_view name) const noexcept;
  // Kea's getFailoverPeerConfig: the first non-backup peer other than this server, in name
  // order (Kea keeps peers in a std::map). nullptr on a backup-less passive-backup primary.
  const PeerConfig* partner() const noexcept;
  // Active servers in Kea's QueryFilter order: primary first, then secondary (load-balancing).
  // Index i of this list is the RFC 3074 bucket `hash % 2` in load-balancing.
  std::vector<const PeerConfig*> activeServers() const;
  const PeerConfig& primary() const;
  std::vector<const PeerConfig*> otherPeers() const;  // everyone but this server

  HaState normalState() const noexcept {
    return mode == HaMode::HotStandby ? HaState::HotStandby : HaState::LoadBalancing;
  }
  bool allowsCommunicationRecovery() const noexcept { return mode == HaMode::LoadBalancing && delayedUpdatesLimit > 0; }
  int localOrigin() const noexcept { return 1000 + static_cast<int>(index); }
  int remoteOrigin() const noexcept { return 2000 + static_cast<int>(index); }
  PauseMode pauseFor(HaState s) const noexcept;

  // Everything, including the file contents read into basicAuthUser/-Password: two configs
  // that compare equal run the same HA service (config-reload keeps it untouched).
  bool operator==(const HaConfig&) const = default;
};

// What differs between a running relationship and a reloaded one, one short phrase per
// change ("peer 'server3' added (backup, https://198.18.0.3:8001/)", "heartbeat-delay
// 10000 -> 1000 ms"), for the reload's log line. Empty exactly when the two compare equal.
std::vector<std::string> describeHaChanges(const HaConfig& before, const HaConfig& after);

// True when the peer listener's socket settings differ: this server's URL, its TLS material,
// require-client-certs or its basic-auth credentials. Other changes keep the socket open.
bool listenerChanged(const HaConfig& before, const HaConfig& after);

// restrict-commands: the commands an HA peer sends to this server's listener (reference
// section 4.2 plus what tandem peers use: ha-scopes/ha-continue for operators going through the
// peer URL, lease4-bulk-apply, and tandem's own sync commands "tandem-*" / "ha-sync*").
bool peerListenerAllows(std::string_view command) noexcept;
// The lease commands that write (lease4-add/-update/-del/-wipe): on the peer listener they come
// from a partner unless they say otherwise.
bool isLeaseWriteCommand(std::string_view command) noexcept;

struct HaConfigSet {
  std::vector<HaConfig> relationships;  // hub-and-spoke (all hot-standby) when > 1
  std::vector<std::string> warnings;    // "path: text", for the daemon to log
};

struct HaParseOptions {
  // Where the hooks-libraries entry's "parameters" map sits in the whole document.
  std::string pathPrefix = "Dhcp4/hooks-libraries/0/parameters";
  // Optional check that a TLS file/dir exists and is readable (Kea loads the material at
  // configuration time). Empty: not checked here; the TLS adapter reports it at start-up.
  std::function<bool(const std::string&)> fileReadable;
};

// Parses the "parameters" map of a libdhcp_ha.so entry.
[[nodiscard]] Result<HaConfigSet> parseHaConfig(const nlohmann::json& parameters, const HaParseOptions& options = {});

// True for "libdhcp_ha.so" with any directory in front (how tandemd recognises the entry).
bool isHaLibrary(std::string_view library) noexcept;
// Index of the libdhcp_ha.so entry in a hooks-libraries list, if any.
std::optional<std::size_t> findHaLibrary(const nlohmann::json& hooksLibraries);

}  // namespace tandem::ha
