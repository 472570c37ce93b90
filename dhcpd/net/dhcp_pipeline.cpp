#include "dhcpd/net/dhcp_pipeline.h"

#include <algorithm>

#include <fmt/format.h>

namespace tandem::net {

using proto::MessageType;

namespace {

// Kea 2.2 counts pkt4-receive-drop for a query its accept() refuses (another server's
// identifier, a message type a server does not take, a malformed query) but not for one it
// processes and answers with silence: no subnet, no free address (v4-allocation-fail), an
// INIT-REBOOT or RELEASE/DECLINE of a lease it does not know.
bool countsAsReceiveDrop(engine::DropReason r, const proto::Packet4& q) {
  switch (r) {
    case engine::DropReason::None:
    case engine::DropReason::NoSubnet:
    case engine::DropReason::NoAddress: return false;
    case engine::DropReason::NotForUs: return q.serverId().has_value();
    default: return true;
  }
}

// Kea's Pkt4::getLabel(): "[hwtype=1 02:00:00:5c:00:01], cid=[no info], tid=0x5c000010".
std::string packetLabel(const proto::Packet4& p) {
  std::string out = p.hlen == 0 ? std::string("[no hwaddr info]")
                                : fmt::format("[hwtype={} {}]", p.htype, p.hwAddr().toString());
  out += ", cid=[";
  auto cid = p.clientId();
  if (cid && !cid->empty()) {
    for (std::size_t i = 0; i < cid->size(); ++i) {
      if (i) out += ':';
      out += fmt::format("{:02x}", (*cid)[i]);
    }
  } else {
    out += "no info";
  }
  out += fmt::format("], tid=0x{:x}", p.xid);
  return out;
}

std::string typeText(const proto::Packet4& p) {
  auto t = p.messageType();
  return t ? std::string(proto::toString(*t)) : std::string("BOOTP");
}
int typeCode(const proto::Packet4& p) {
  auto t = p.messageType();
  return t ? static_cast<int>(*t) : 0;
}

// Kea's Pkt4::toText() (DHCP4_QUERY_DATA, DHCP4_RESPONSE_DATA). Options are printed as
// "type=NNN, len=NNN: " and their bytes in hex, where Kea prints typed values.
std::string packetDetails(const proto::Packet4& p, Ipv4 local, std::uint16_t localPort, Ipv4 remote,
                          std::uint16_t remotePort) {
  std::string out = fmt::format("local_address={}:{}, remote_address={}:{}, msg_type={} ({}), transid=0x{:x},",
                                local.toString(), localPort, remote.toString(), remotePort, typeText(p), typeCode(p),
                                p.xid);
  if (!p.options.empty()) {
    out += "\noptions:";
    std::vector<const proto::Option*> sorted;
    for (const auto& o : p.options) sorted.push_back(&o);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->code < b->code; });
    for (const auto* o : sorted) {
      out += fmt::format("\n  type={:03d}, len={:03d}:", o->code, o->data.size());
      for (std::size_t i = 0; i < o->data.size(); ++i) {
        out += i ? ':' : ' ';
        out += fmt::format("{:02x}", o->data[i]);
      }
    }
  }
  return out;
}

// RFC 2131 4.3.2: a REQUEST without server identifier and ciaddr, with a requested address.
bool isInitReboot(const proto::Packet4& q) {
  return q.messageType() == MessageType::Request && !q.serverId() && q.ciaddr.isZero() && q.requestedAddress();
}

}  // namespace

void DhcpPipeline::logDecision(const proto::Packet4& q, const engine::RecvMeta& meta, const engine::Decision& d,
                               const std::function<const std::string&()>& label) {
  const auto type = q.messageType();
  if (!type) return;
  const bool byLease = *type == MessageType::Release || *type == MessageType::Decline;
  // Kea selects a subnet for DISCOVER, REQUEST and INFORM; RELEASE and DECLINE go by the lease.
  if (!byLease) {
    if (d.subnetId) {
      if (log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceBasicData)) {
        log_.write(LogSource::Packets, Severity::Debug, "DHCP4_SUBNET_SELECTED",
                   fmt::format("{}: the subnet with ID {} was selected for client assignments", label(), d.subnetId));
      }
      if (log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceDetailData)) {
        log_.write(LogSource::Packets, Severity::Debug, "DHCP4_SUBNET_DATA",
                   fmt::format("{}: the selected subnet details: {}", label(), writer_.subnetText(d.subnetId)));
      }
    } else if (d.drop == engine::DropReason::NoSubnet &&
               log_.enabled(LogSource::BadPackets, Severity::Debug, kDbgTraceBasic)) {
      log_.write(LogSource::BadPackets, Severity::Debug, "DHCP4_SUBNET_SELECTION_FAILED",
                 fmt::format("{}: failed to select subnet for the client", label()));
    }
  }
  const bool initReboot = isInitReboot(q);
  auto requested = [&q] {
    auto a = q.requestedAddress();
    return a ? a->toString() : std::string("(no address)");
  };
  if (initReboot && d.subnetId && log_.enabled(LogSource::Leases, Severity::Info)) {
    log_.write(LogSource::Leases, Severity::Info, "DHCP4_INIT_REBOOT",
               fmt::format("{}: client is in INIT-REBOOT state and requests address {}", label(), requested()));
  }
  if (d.drop == engine::DropReason::NoAddress && log_.enabled(LogSource::AllocEngine, Severity::Warn)) {
    // Kea's allocation engine warns (visible at the default INFO) by scope, in total, by class.
    log_.write(LogSource::AllocEngine, Severity::Warn, "ALLOC_ENGINE_V4_ALLOC_FAIL_SUBNET",
               fmt::format("{}: failed to allocate an IPv4 lease in the subnet {}, subnet-id {}, shared network (none)",
                           label(), writer_.subnetText(d.subnetId), d.subnetId));
    log_.write(LogSource::AllocEngine, Severity::Warn, "ALLOC_ENGINE_V4_ALLOC_FAIL",
               fmt::format("{}: failed to allocate an IPv4 address after {} attempt(s)", label(),
                           stats_.value(fmt::format("subnet[{}].total-addresses", d.subnetId))));
    std::string classes = "ALL";
    for (const auto& c : meta.classes) classes += ", " + c;
    classes += ", UNKNOWN";
    log_.write(LogSource::AllocEngine, Severity::Warn, "ALLOC_ENGINE_V4_ALLOC_FAIL_CLASSES",
               fmt::format("{}: Failed to allocate an IPv4 address for client with classes: {}", label(), classes));
  }
  // A plain value, not an optional: GCC 12 -O2 warns that the optional's payload "may be used
  // uninitialized" (a false positive). No reply, or one without a type, is MessageType{} (0),
  // equal to none of the types compared below.
  const MessageType replyType = d.reply ? d.reply->messageType().value_or(MessageType{}) : MessageType{};
  const Lease* upsert = nullptr;
  for (const auto& c : d.changes) {
    if (c.kind == engine::LeaseChange::Kind::Upsert) upsert = &c.lease;
  }
  switch (*type) {
    case MessageType::Discover:
      if (replyType == MessageType::Offer && log_.enabled(LogSource::Leases, Severity::Info)) {
        log_.write(LogSource::Leases, Severity::Info, "DHCP4_LEASE_ADVERT",
                   fmt::format("{}: lease {} will be advertised", label(), d.reply->yiaddr.toString()));
      } else if (!d.reply && d.drop == engine::DropReason::NoAddress &&
                 log_.enabled(LogSource::BadPackets, Severity::Debug, kDbgTraceDetail)) {
        log_.write(LogSource::BadPackets, Severity::Debug, "DHCP4_PACKET_NAK_0003",
                   fmt::format("{}: failed to advertise a lease, client sent ciaddr {}, requested-ip-address {}",
                               label(), q.ciaddr.toString(), requested()));
      }
      break;
    case MessageType::Request:
      if (replyType == MessageType::Ack && log_.enabled(LogSource::Leases, Severity::Info)) {
        log_.write(LogSource::Leases, Severity::Info, "DHCP4_LEASE_ALLOC",
                   fmt::format("{}: lease {} has been allocated for {} seconds", label(), d.reply->yiaddr.toString(),
                               upsert ? upsert->validLifetime : 0));
      } else if (replyType == MessageType::Nak &&
                 log_.enabled(LogSource::BadPackets, Severity::Debug, kDbgTraceDetail)) {
        if (initReboot) {
          log_.write(LogSource::BadPackets, Severity::Debug, "DHCP4_PACKET_NAK_0002",
                     fmt::format("{}: invalid address {} requested by INIT-REBOOT", label(), requested()));
        } else {
          log_.write(LogSource::BadPackets, Severity::Debug, "DHCP4_PACKET_NAK_0004",
                     fmt::format("{}: failed to grant a lease, client sent ciaddr {}, requested-ip-address {}", label(),
                                 q.ciaddr.toString(), requested()));
        }
      } else if (!d.reply && initReboot && d.drop == engine::DropReason::NotForUs &&
                 log_.enabled(LogSource::BadPackets, Severity::Debug, kDbgTraceDetail)) {
        log_.write(LogSource::BadPackets, Severity::Debug, "DHCP4_NO_LEASE_INIT_REBOOT",
                   fmt::format("{}: no lease for address {} requested by INIT-REBOOT client", label(), requested()));
      }
      break;
    case MessageType::Release:
      if (!d.changes.empty() && log_.enabled(LogSource::Leases, Severity::Info)) {
        log_.write(LogSource::Leases, Severity::Info, "DHCP4_RELEASE",
                   fmt::format("{}: address {} was released properly.", label(),
                               d.changes.front().lease.address.toString()));
      }
      break;
    case MessageType::Decline:
      if (upsert && log_.enabled(LogSource::Leases, Severity::Info)) {
        log_.write(LogSource::Leases, Severity::Info, "DHCP4_DECLINE_LEASE",
                   fmt::format(
                       "Received DHCPDECLINE for addr {} from client {}. The lease will be unavailable for {} seconds.",
                       upsert->address.toString(), label(), upsert->validLifetime));
      }
      break;
    default: break;
  }
}

void DhcpPipeline::logReply(const proto::Packet4& query, const proto::Packet4& reply, const engine::RecvMeta& meta,
                            const Outgoing& out, const std::function<const std::string&()>& label) {
  if (query.messageType() == MessageType::Inform && out.dest.kind == Destination::Kind::Udp &&
      out.dest.addr == query.ciaddr && log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceDetail)) {
    log_.write(LogSource::Packets, Severity::Debug, "DHCP4_INFORM_DIRECT_REPLY",
               fmt::format("{}: DHCPACK in reply to the DHCPINFORM will be sent directly to {} over {}", label(),
                           out.dest.addr.toString(), meta.ifName));
  }
  if (log_.enabled(LogSource::Options, Severity::Debug, kDbgTraceDetail)) {
    log_.write(LogSource::Options, Severity::Debug, "DHCP4_PACKET_PACK",
               fmt::format("{}: preparing on-wire format of the packet to be sent", label()));
  }
  if (log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceBasic)) {
    log_.write(LogSource::Packets, Severity::Debug, "DHCP4_PACKET_SEND",
               fmt::format("{}: trying to send packet {} (type {}) from {}:{} to {}:{} on interface {}", label(),
                           typeText(reply), typeCode(reply), meta.ifAddr.toString(), opts_.ports.server,
                           out.dest.addr.toString(), out.dest.port, meta.ifName));
  }
  if (log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceDetailData)) {
    log_.write(LogSource::Packets, Severity::Debug, "DHCP4_RESPONSE_DATA",
               fmt::format("{}: responding with packet {} (type {}), packet details: {}", label(), typeText(reply),
                           typeCode(reply),
                           packetDetails(reply, meta.ifAddr, opts_.ports.server, out.dest.addr, out.dest.port)));
  }
}

void DhcpPipeline::countAllocationFailure(std::uint32_t subnetId, TimePoint now) {
  // Kea's allocation engine (ALLOC_ENGINE_V4_ALLOC_FAIL_SUBNET, _FAIL, _FAIL_CLASSES): the
  // failure counts by scope (a plain subnet: tandemd has no shared networks), in total, and
  // by client classes (every query is in class ALL), each globally and for the subnet,
  // whose statistics appear with the first failure.
  // Handles resolved once per subnet: a DISCOVER flood on an exhausted pool formats no name.
  static constexpr std::array<const char*, 3> kNamesOfFailure{"v4-allocation-fail-subnet", "v4-allocation-fail",
                                                              "v4-allocation-fail-classes"};
  if (!allocFail_[0]) {
    for (std::size_t i = 0; i < kNamesOfFailure.size(); ++i) allocFail_[i] = stats_.handle(kNamesOfFailure[i]);
  }
  for (const auto& h : allocFail_) stats_.add(h, 1, now);
  if (!subnetId) return;
  auto [it, fresh] = subnetAllocFail_.try_emplace(subnetId);
  if (fresh) {
    for (std::size_t i = 0; i < kNamesOfFailure.size(); ++i) {
      it->second[i] = stats_.handle(fmt::format("subnet[{}].{}", subnetId, kNamesOfFailure[i]));
    }
  }
  for (const auto& h : it->second) stats_.add(h, 1, now);
}

DhcpPipeline::DhcpPipeline(engine::Engine& engine, LeaseWriter& writer, StatsRegistry& stats, Logger& log, Options opts)
    : engine_(engine),
      writer_(writer),
      stats_(stats),
      log_(log),
      opts_(opts),
      parking_(opts.parkCapacity, opts.parkTimeout),
      refusalReader_(writer.addRefusalReader()) {}

DhcpPipeline::~DhcpPipeline() {
  if (inbox_) {
    std::lock_guard lk(inbox_->mu);
    inbox_->closed = true;
    inbox_->wake = nullptr;
  }
  writer_.removeRefusalReader(refusalReader_);
}

void DhcpPipeline::setClientLookup(ClientLeaseLookup* lookup, std::function<void()> wake) {
  lookup_ = lookup;
  if (!lookup) return;
  if (!inbox_) inbox_ = std::make_shared<LookupInbox>();
  std::lock_guard lk(inbox_->mu);
  inbox_->wake = std::move(wake);
}

void DhcpPipeline::parkForLookup(std::span<const std::uint8_t> bytes, const engine::RecvMeta& meta,
                                 const engine::RecvMeta& m, TimePoint now, std::chrono::steady_clock::time_point start,
                                 ClientLeaseQuery key) {
  const std::uint64_t ticket = ++nextTicket_;
  const bool submitted = awaiting_.size() < opts_.lookupCapacity &&
                         lookup_->submit(std::move(key), [inbox = inbox_, ticket](ClientLeaseAnswer answer) {
                           std::lock_guard lk(inbox->mu);
                           if (inbox->closed) return;
                           inbox->answers.emplace_back(ticket, std::move(answer));
                           // Under the lock: the pipeline (and what wake reaches) cannot be going meanwhile.
                           if (inbox->wake) inbox->wake();
                         });
  if (!submitted) {
    // The database answers more slowly than clients arrive (or is unreachable): as with a
    // journal that is behind, the query is shed before anything is decided for it.
    ++counts_[kLeaseLookupBackpressureDrop];
    ++counts_[kReceiveDrop];
    log_.limited(Severity::Warn, "DHCP4_LEASE_DB_LOOKUP_BACKPRESSURE",
                 "{} queries wait for their client's lease from the lease database: dropping new ones",
                 awaiting_.size());
    return;
  }
  ++counts_[kLeaseLookup];
  awaiting_.emplace(ticket, AwaitingLookup{std::vector<std::uint8_t>(bytes.begin(), bytes.end()), meta, m, now, start});
}

void DhcpPipeline::resumeLookups(std::vector<Outgoing>& ready) {
  // decide() may call releaseDurable() (a shared database's reply): answers arriving then
  // wait for the next call rather than nest.
  if (!inbox_ || resuming_) return;
  resuming_ = true;
  std::vector<std::pair<std::uint64_t, ClientLeaseAnswer>> answers;
  {
    std::lock_guard lk(inbox_->mu);
    answers.swap(inbox_->answers);
  }
  for (auto& [ticket, answer] : answers) {
    auto it = awaiting_.find(ticket);
    if (it == awaiting_.end()) continue;  // expired meanwhile (expireParked)
    AwaitingLookup q = std::move(it->second);
    awaiting_.erase(it);
    if (!answer.ok) {
      // Kea drops a query whose lease it cannot read (a database error in the allocation
      // engine); the client retries.
      ++counts_[kLeaseLookupFailDrop];
      ++counts_[kReceiveDrop];
      log_.limited(Severity::Warn, "DHCP4_LEASE_DB_LOOKUP_FAIL",
                   "the client's lease could not be read from the lease database: query dropped");
      continue;
    }
    if (!enabled()) {  // dhcp-disable meanwhile
      ++counts_[kReceiveDrop];
      continue;
    }
    auto decoded = proto::decode(q.bytes);
    if (!decoded) continue;  // decoded once already
    std::unique_lock<std::mutex> shared;
    if (shared_) shared = std::unique_lock<std::mutex>(*shared_);
    if (!answer.leases.empty()) ++counts_[kLeaseLookupFound];
    for (const Lease& l : answer.leases) writer_.adoptFound(l);
    std::string label;
    const Label labelOf = [&]() -> const std::string& {
      if (label.empty()) label = packetLabel(*decoded);
      return label;
    };
    decide(*decoded, q.meta, q.engineMeta, q.now, ready, q.parkedAt, shared, labelOf);
  }
  resuming_ = false;
}

void DhcpPipeline::setHaHooks(HaHooks hooks) {
  ha_ = std::move(hooks);
  // The service that would have acknowledged these is gone: as if every update had failed.
  if (!ha_.leasesCommitted) countDropped(parking_.failAcks());
}

void DhcpPipeline::countReceived(const proto::Packet4& p) noexcept { countReceived(p.messageType()); }

void DhcpPipeline::countReceived(std::optional<MessageType> t) noexcept {
  if (!t) {
    ++counts_[kUnknownRecv];
    return;
  }
  switch (*t) {
    case MessageType::Discover: ++counts_[kDiscover]; break;
    case MessageType::Request: ++counts_[kRequest]; break;
    case MessageType::Release: ++counts_[kRelease]; break;
    case MessageType::Decline: ++counts_[kDecline]; break;
    case MessageType::Inform: ++counts_[kInform]; break;
    case MessageType::Offer: ++counts_[kOfferRecv]; break;
    case MessageType::Ack: ++counts_[kAckRecv]; break;
    case MessageType::Nak: ++counts_[kNakRecv]; break;
  }
}

void DhcpPipeline::countSent(MessageType t) noexcept {
  ++counts_[kSent];
  switch (t) {
    case MessageType::Offer: ++counts_[kOfferSent]; break;
    case MessageType::Ack: ++counts_[kAckSent]; break;
    case MessageType::Nak: ++counts_[kNakSent]; break;
    default: break;
  }
}

void DhcpPipeline::process(std::span<const std::uint8_t> bytes, const engine::RecvMeta& meta, TimePoint now,
                           std::vector<Outgoing>& ready) {
  // Observed on every way out of this function; two clock reads, no allocation.
  struct Timed {
    LatencyHistogram& h;
    std::chrono::steady_clock::time_point (*clock)() noexcept;
    std::chrono::steady_clock::time_point start;
    ~Timed() { h.observe(clock() - start); }
  } timed{processing_, opts_.monotonic, opts_.monotonic()};
  ++counts_[kReceived];
  // Kea's per-packet messages, each behind its logger's check, so that nothing is
  // formatted while they are off (the default: they are DEBUG).
  const std::uint16_t serverPort = opts_.ports.server;
  if (log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceBasic)) {
    log_.write(LogSource::Packets, Severity::Debug, "DHCP4_BUFFER_RECEIVED",
               fmt::format("received buffer from {}:{} to {}:{} over interface {}", meta.srcAddr.toString(),
                           meta.srcPort, meta.dstAddr.toString(), serverPort, meta.ifName));
  }
  if (log_.enabled(LogSource::Options, Severity::Debug, kDbgTraceDetail)) {
    log_.write(LogSource::Options, Severity::Debug, "DHCP4_BUFFER_UNPACK",
               fmt::format("parsing buffer received from {} to {} over interface {}", meta.srcAddr.toString(),
                           meta.dstAddr.toString(), meta.ifName));
  }
  // HA: a query of a client the partner serves is dropped undecoded (both peers receive every
  // broadcast). Only when the ordinary path would drop it the same way and count it the same:
  // serving, nothing logged per packet, the lease file neither failing nor behind.
  if (ha_.partnerQuery && enabled() && !log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceBasicData)) {
    const auto* j = writer_.journal();
    if (!j || (!j->failing() && !j->behind())) {
      if (const std::uint8_t type = ha_.partnerQuery(bytes)) {
        countReceived(static_cast<MessageType>(type));
        ++counts_[kNotForUs];
        ++counts_[kReceiveDrop];
        return;
      }
    }
  }
  auto decoded = proto::decode(bytes);
  if (!decoded) {
    ++counts_[kParseFailed];
    ++counts_[kReceiveDrop];
    if (log_.enabled(LogSource::BadPackets, Severity::Debug, kDbgTraceDetail)) {
      log_.limited(LogSource::BadPackets, Severity::Debug, "DHCP4_PACKET_DROP_0001",
                   "failed to parse packet from {} to {}, received over interface {}, reason: {}",
                   meta.srcAddr.toString(), meta.dstAddr.toString(), meta.ifName, decoded.error().message);
    }
    return;
  }
  const proto::Packet4& query = *decoded;
  countReceived(query);
  const bool traceBasicData = log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceBasicData);
  std::string label;  // formatted only when some message of this packet is on
  auto labelOf = [&]() -> const std::string& {
    if (label.empty()) label = packetLabel(query);
    return label;
  };
  if (traceBasicData) {
    log_.write(LogSource::Packets, Severity::Debug, "DHCP4_PACKET_RECEIVED",
               fmt::format("{}: {} (type {}) received from {} to {} on interface {}", labelOf(), typeText(query),
                           typeCode(query), meta.srcAddr.toString(), meta.dstAddr.toString(), meta.ifName));
  }
  if (log_.enabled(LogSource::Packets, Severity::Debug, kDbgTraceDetailData)) {
    log_.write(LogSource::Packets, Severity::Debug, "DHCP4_QUERY_DATA",
               fmt::format("{}, packet details: {}", labelOf(),
                           packetDetails(query, meta.dstAddr, serverPort, meta.srcAddr, meta.srcPort)));
  }
  // The op field is not checked: Kea 2.2 goes by the message type alone (a DISCOVER with op
  // BOOTREPLY is served, an OFFER with op BOOTREQUEST dropped by the engine).
  if (!enabled()) {
    ++counts_[kReceiveDrop];
    return;
  }

  // While the lease file cannot be written (full disk), no lease can be confirmed: queries
  // that would bind, renew or free a lease are shed before the engine, so leases nobody was
  // told about do not pile up in memory and in the write queue and fill the disk again the
  // moment space comes back. INFORM needs no lease and is still answered.
  if (auto* j = writer_.journal()) {
    const auto type = query.messageType();
    if (j->failing()) {
      if (type && *type != MessageType::Inform) {
        ++counts_[kLeaseFileFailDrop];
        ++counts_[kReceiveDrop];
        return;
      }
    } else if (type == MessageType::Discover && j->behind()) {
      // The journal commits more slowly than clients arrive: no new exchange starts, so the
      // REQUESTs of those already offered are committed while their clients still wait.
      ++counts_[kLeaseBackpressureDrop];
      ++counts_[kReceiveDrop];
      log_.limited(Severity::Warn, "DHCP4_LEASE_BACKPRESSURE",
                   "the lease database commits more slowly than clients arrive: dropping new DISCOVERs");
      return;
    }
  }

  engine::RecvMeta haMeta;
  const engine::RecvMeta* m = &meta;
  if (ha_.shouldServe) {
    haMeta = meta;
    if (!ha_.shouldServe(query, haMeta)) {
      ++counts_[kNotForUs];
      ++counts_[kReceiveDrop];
      return;
    }
    m = &haMeta;
    // After the scope test: the partner's clients still feed its failure detection.
    if (opts_.haBackpressure.count() > 0 &&
        parking_.awaitingAck() >= std::max<std::size_t>(opts_.haBackpressureMinParked, 1) &&
        timed.start - *parking_.oldestAwaitingAck() > opts_.haBackpressure &&
        query.messageType() == MessageType::Discover) {
      ++counts_[kHaBackpressureDrop];
      ++counts_[kReceiveDrop];
      log_.limited(Severity::Warn, "HA_BACKPRESSURE",
                   "the partner acknowledges lease updates too slowly ({} replies waiting): dropping new DISCOVERs",
                   parking_.awaitingAck());
      return;
    }
  }
  // Several workers: from the engine's decision to the store, the journal and the observers,
  // one at a time (two workers must not pick the same free address, nor race on the offer
  // table or a reservation); decoding before and encoding after run in parallel.
  std::unique_lock<std::mutex> shared;
  if (shared_) shared = std::unique_lock<std::mutex>(*shared_);
  // A shared SQL database: a client this server knows nothing of may hold a lease another
  // server made; the query waits (parked, never blocking this thread) until it is read.
  if (lookup_) {
    if (auto key = engine_.leaseLookup(query, *m, now)) {
      if (opts_.lookupBackpressure.count() > 0 && !awaiting_.empty() &&
          timed.start - awaiting_.begin()->second.parkedAt > opts_.lookupBackpressure &&
          query.messageType() == MessageType::Discover) {
        ++counts_[kLeaseLookupBackpressureDrop];
        ++counts_[kReceiveDrop];
        log_.limited(Severity::Warn, "DHCP4_LEASE_DB_LOOKUP_BACKPRESSURE",
                     "the lease database answers lookups more slowly than clients arrive: dropping new DISCOVERs");
        return;
      }
      if (shared) shared.unlock();
      parkForLookup(bytes, meta, *m, now, timed.start, std::move(*key));
      return;
    }
  }
  decide(query, meta, *m, now, ready, timed.start, shared, labelOf);
}

void DhcpPipeline::decide(const proto::Packet4& query, const engine::RecvMeta& meta, const engine::RecvMeta& m,
                          TimePoint now, std::vector<Outgoing>& ready, std::chrono::steady_clock::time_point start,
                          std::unique_lock<std::mutex>& shared, const Label& labelOf) {
  if (shared_ && !shared) shared = std::unique_lock<std::mutex>(*shared_);
  engine::Decision d = engine_.handle(query, m, now);
  if (d.drop == engine::DropReason::NoAddress) countAllocationFailure(d.subnetId, now);
  logDecision(query, m, d, labelOf);

  // One decision's writes get consecutive sequences (appended under the shared state):
  // [firstWrite, waitFor] names them all, so a refusal of any of them finds the reply.
  std::uint64_t waitFor = 0, firstWrite = 0;
  bool writeFailed = false;
  for (const auto& change : d.changes) {
    auto seq = writer_.apply(change);
    if (!seq) {
      writeFailed = true;
      log_.limited(Severity::Error, "DHCP4_LEASE_STORE_FAIL", "lease change for {} failed: {}",
                   change.lease.address.toString(), seq.error().message);
      continue;
    }
    if (*seq && (!firstWrite || *seq < firstWrite)) firstWrite = *seq;
    waitFor = std::max(waitFor, *seq);
  }

  if (observer_ && !d.changes.empty() && !writeFailed) observer_(d.changes);
  if (queryObserver_ && !writeFailed) queryObserver_(query, meta, d);

  // Lease changes without a DHCPACK to hold (RELEASE, DECLINE, NAK): replicated, not waited for.
  const bool haAck = ha_.leasesCommitted && !d.changes.empty() && !writeFailed && d.reply &&
                     d.reply->messageType() == MessageType::Ack;
  if (ha_.leasesCommitted && !d.changes.empty() && !writeFailed && !haAck) ha_.leasesCommitted(d.changes, [](bool) {});
  if (shared) shared.unlock();

  if (!d.reply) {
    if (countsAsReceiveDrop(d.drop, query)) ++counts_[kReceiveDrop];
    // The engine's subnet gate (the HA hub): not for us, as the scope filter above counts it.
    if (d.drop == engine::DropReason::ServiceDisabled) ++counts_[kNotForUs];
    // tandemd's own summary of why (kea-dhcp4.dhcp4; Kea's specific messages went above).
    if (d.drop != engine::DropReason::None && log_.enabled(LogSource::Dhcp4, Severity::Debug, kDbgTraceDetail)) {
      log_.limited(Severity::Debug, "DHCP4_PACKET_DROP_0003", "{} from {} xid 0x{:08x} dropped: {} {}",
                   query.messageType() ? proto::toString(*query.messageType()) : "BOOTP", query.hwAddr().toString(),
                   query.xid, engine::toString(d.drop), d.note);
    }
    return;
  }
  const proto::Packet4& reply = *d.reply;
  auto type = reply.messageType().value_or(MessageType::Ack);
  // Never confirm a lease the store refused: the client retries and the engine decides anew.
  if (writeFailed && type == MessageType::Ack) {
    ++counts_[kReceiveDrop];
    return;
  }

  // RFC 2132 9.10: the client's maximum message size bounds the reply (576 at least).
  std::size_t maxSize = 1500;
  if (auto mms = query.maxMessageSize()) maxSize = std::clamp<std::size_t>(*mms, 576, 1500);
  Outgoing out;
  out.dest = replyDestination(query, reply, opts_.ports, meta.srcAddr);
  out.ifIndex = meta.ifIndex;
  out.srcAddr = meta.ifAddr;
  out.type = type;
  out.bytes = proto::encode(reply, maxSize).bytes;
  logReply(query, reply, meta, out, labelOf);

  if (haAck) {
    parkForHa(firstWrite, waitFor, std::move(out), d.changes);
    // Acknowledged at once (nothing to wait for in this HA state) and already durable.
    releaseDurable(ready);
    return;
  }
  if (waitFor == 0) {
    ready.push_back(std::move(out));
    return;
  }
  // A journal that may refuse a write (a shared database) can refuse this one and pass its
  // sequence between the append above and this test: only releaseDurable() reads the two in
  // the order that catches that, so such a reply always goes through the parking lot.
  auto* journal = writer_.journal();
  const bool mayRefuse = journal && journal->mayRefuse();
  if (!mayRefuse && waitFor <= writer_.durableSeq()) {
    ready.push_back(std::move(out));
    return;
  }
  if (!parking_.park(std::move(out), waitFor, false, start, firstWrite)) {
    ++counts_[kReceiveDrop];
    log_.limited(Severity::Warn, "DHCP4_PARKING_FULL", "{} replies waiting for the lease file, dropping a {}",
                 parking_.size(), proto::toString(type));
    return;
  }
  if (mayRefuse && parking_.releasable(writer_.durableSeq())) releaseDurable(ready);
}

void DhcpPipeline::parkForHa(std::uint64_t firstSeq, std::uint64_t seq, Outgoing out,
                             const std::vector<engine::LeaseChange>& changes) {
  // The update's round trip (haUpdateLatency) starts here.
  auto ticket = parking_.park(std::move(out), seq, true, opts_.monotonic(), firstSeq);
  if (!ticket) {
    ++counts_[kReceiveDrop];
    log_.limited(Severity::Warn, "DHCP4_PARKING_FULL", "{} replies waiting, dropping a DHCPACK", parked());
    return;
  }
  // May call back at once (nothing to wait for in this HA state).
  ha_.leasesCommitted(changes, [this, t = *ticket](bool ok) { onHaAck(t, ok); });
}

void DhcpPipeline::onHaAck(ReplyParking<Outgoing>::Ticket ticket, bool ok) {
  auto acked = parking_.acknowledge(ticket, ok);
  if (!acked) return;  // expired or failed meanwhile
  if (!ok) {
    // Kea's rule: a required lease update failed, so the client hears nothing and retries.
    ++counts_[kHaUpdateFailed];
    ++counts_[kReceiveDrop];
    return;
  }
  haUpdate_.observe(opts_.monotonic() - acked->parkedAt);
  // Otherwise the journal's progress lets it go (releaseDurable()).
  if (parking_.releasable(writer_.durableSeq()) && ha_.wake) ha_.wake();
}

void DhcpPipeline::releaseDurable(std::vector<Outgoing>& ready) {
  // durableSeq first: the journal publishes a refused write before durableSeq passes it, so
  // every write refused at or below `seq` is among what takeRefused() returns below. Taken the
  // other way round, a write refused in between would be released as durable.
  resumeLookups(ready);
  const auto seq = writer_.durableSeq();
  if (auto* j = writer_.journal(); j && j->mayRefuse()) {
    std::unique_lock<std::mutex> shared;  // the store is shared (adopt)
    if (shared_) shared = std::unique_lock<std::mutex>(*shared_);
    // A write another server won never confirms a lease to this client; the store learns who
    // holds the address instead. Another worker may have taken it from the journal: the
    // writer hands every refusal to every pipeline.
    auto refused = writer_.takeRefused(refusalReader_);
    for (Ipv4 a : refused.adopted) {
      log_.limited(Severity::Info, "DHCP4_LEASE_DB_CONFLICT",
                   "the lease database refused the lease of {} (another server holds it): reply dropped, the client "
                   "retries",
                   a.toString());
    }
    for (std::uint64_t s : refused.seqs) {
      if (parking_.drop(s)) ++counts_[kLeaseConflictDrop];
    }
  }
  if (!parking_.releasable(seq)) return;
  for (auto& o : parking_.release(seq)) ready.push_back(std::move(o));
}

std::size_t DhcpPipeline::expireParked() {
  const auto t = opts_.monotonic();
  auto dropped = parking_.expire(t);
  countDropped(dropped);
  // A lookup that never answered (the lookup always answers; this is the backstop).
  std::size_t lookups = 0;
  for (auto it = awaiting_.begin(); it != awaiting_.end();) {
    if (t - it->second.parkedAt > opts_.parkTimeout) {
      it = awaiting_.erase(it);
      ++lookups;
    } else {
      ++it;
    }
  }
  counts_[kLeaseLookupFailDrop] += lookups;
  counts_[kReceiveDrop] += lookups;
  return dropped.size() + lookups;
}

std::size_t DhcpPipeline::drainParked() {
  awaiting_.clear();
  auto dropped = parking_.drain();
  if (!dropped.empty()) {
    log_.warn("DHCP4_SHUTDOWN_PARKED_DROP", "{} replies still waiting for the lease file or the HA partner dropped",
              dropped.size());
  }
  return dropped.size();
}

void DhcpPipeline::countDropped(const std::vector<ReplyParking<Outgoing>::Dropped>& dropped) {
  using Exit = ReplyParking<Outgoing>::Exit;
  std::size_t failed = 0, timedOut = 0, notDurable = 0;
  for (const auto& d : dropped) {
    switch (d.why) {
      case Exit::AckFailed: ++failed; break;
      case Exit::AckTimedOut: ++timedOut; break;
      case Exit::NotDurable: ++notDurable; break;
      case Exit::Shutdown: break;
    }
  }
  // A failed acknowledgement is a drop of the query (Kea's rule, as in onHaAck()).
  counts_[kHaUpdateFailed] += failed + timedOut;
  counts_[kReceiveDrop] += failed;
  if (timedOut) {
    log_.limited(Severity::Warn, "HA_LEASE_UPDATE_ACK_TIMEOUT",
                 "dropped {} replies whose lease updates the partner did not acknowledge in time", timedOut);
  }
  if (notDurable) {
    counts_[kAckNotDurable] += notDurable;
    std::string why = "journal is slow";
    if (auto* j = writer_.journal()) {
      if (auto e = j->lastError()) why = e->message;
    }
    log_.limited(Severity::Error, "DHCP4_ACK_NOT_DURABLE",
                 "dropped {} replies whose leases did not reach the lease file in time: {}", notDurable, why);
  }
}

void DhcpPipeline::publish(TimePoint now) {
  // Kea lists every packet statistic from start-up (value 0), so monitoring that polls a
  // counter before the first packet finds it; the first publish creates them all.
  if (!published_) {
    for (std::size_t i = 0; i < kFirstExtension; ++i) {
      if (!stats_.exists(kNames[i])) stats_.set(kNames[i], 0, now);
    }
    for (const char* n :
         {"v4-allocation-fail", "v4-allocation-fail-classes", "v4-allocation-fail-no-pools",
          "v4-allocation-fail-shared-network", "v4-allocation-fail-subnet", "v4-reservation-conflicts"}) {
      if (!stats_.exists(n)) stats_.set(n, 0, now);
    }
    published_ = true;
  }
  // One sample per packet, as Kea's per-packet addValue leaves them.
  for (std::size_t i = 0; i < kCount; ++i) {
    if (counts_[i]) {
      stats_.addEach(kNames[i], counts_[i], now);
      counts_[i] = 0;
    }
  }
}

}  // namespace tandem::net
