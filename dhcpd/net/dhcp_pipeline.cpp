#include "dhcpd/net/dhcp_pipeline.h"

#include <algorithm>

namespace tandem::net {

using proto::MessageType;

DhcpPipeline::DhcpPipeline(engine::Engine& engine, LeaseWriter& writer, StatsRegistry& stats, Logger& log,
                           Options opts)
    : engine_(engine), writer_(writer), stats_(stats), log_(log), opts_(opts), parking_(opts.parkCapacity) {}

void DhcpPipeline::countReceived(const proto::Packet4& p) noexcept {
  auto t = p.messageType();
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
  ++counts_[kReceived];
  auto decoded = proto::decode(bytes);
  if (!decoded) {
    ++counts_[kParseFailed];
    ++counts_[kReceiveDrop];
    log_.limited(Severity::Debug, "DHCP4_PACKET_DROP_0001", "failed to parse packet from {}:{} on {}: {}",
                 meta.srcAddr.toString(), meta.srcPort, meta.ifName, decoded.error().message);
    return;
  }
  const proto::Packet4& query = *decoded;
  countReceived(query);
  if (query.op != proto::Packet4::kBootRequest) {
    ++counts_[kReceiveDrop];
    log_.limited(Severity::Debug, "DHCP4_PACKET_DROP_0002", "dropping BOOTREPLY (op {}) from {} on {}",
                 query.op, meta.srcAddr.toString(), meta.ifName);
    return;
  }
  if (!enabled_) {
    ++counts_[kReceiveDrop];
    return;
  }

  // While the lease file cannot be written (full disk), no lease can be confirmed: queries
  // that would bind, renew or free a lease are shed before the engine, so leases nobody was
  // told about do not pile up in memory and in the write queue and fill the disk again the
  // moment space comes back. INFORM needs no lease and is still answered.
  if (auto* j = writer_.journal(); j && j->failing()) {
    auto type = query.messageType();
    if (type && *type != MessageType::Inform) {
      ++counts_[kLeaseFileFailDrop];
      ++counts_[kReceiveDrop];
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
    if (opts_.haBackpressure.count() > 0 && haParked_.size() >= std::max<std::size_t>(opts_.haBackpressureMinParked, 1) &&
        now - haParked_.begin()->second.parkedAt > opts_.haBackpressure &&
        query.messageType() == MessageType::Discover) {
      ++counts_[kHaBackpressureDrop];
      ++counts_[kReceiveDrop];
      log_.limited(Severity::Warn, "HA_BACKPRESSURE",
                   "the partner acknowledges lease updates too slowly ({} replies waiting): dropping new DISCOVERs",
                   haParked_.size());
      return;
    }
  }
  engine::Decision d = engine_.handle(query, *m, now);
  if (d.drop == engine::DropReason::NoAddress) ++counts_[kAllocFail];

  std::uint64_t waitFor = 0;
  bool writeFailed = false;
  for (const auto& change : d.changes) {
    auto seq = writer_.apply(change);
    if (!seq) {
      writeFailed = true;
      log_.limited(Severity::Error, "DHCP4_LEASE_STORE_FAIL", "lease change for {} failed: {}",
                   change.lease.address.toString(), seq.error().message);
      continue;
    }
    waitFor = std::max(waitFor, *seq);
  }

  // Lease changes without a DHCPACK to hold (RELEASE, DECLINE, NAK): replicated, not waited for.
  const bool haAck = ha_.leasesCommitted && !d.changes.empty() && !writeFailed && d.reply &&
                     d.reply->messageType() == MessageType::Ack;
  if (ha_.leasesCommitted && !d.changes.empty() && !writeFailed && !haAck) ha_.leasesCommitted(d.changes, [](bool) {});

  if (!d.reply) {
    if (d.drop != engine::DropReason::None) {
      ++counts_[kReceiveDrop];
      log_.limited(Severity::Debug, "DHCP4_PACKET_DROP_0003", "{} from {} xid 0x{:08x} dropped: {} {}",
                   query.messageType() ? proto::toString(*query.messageType()) : "BOOTP",
                   query.hwAddr().toString(), query.xid, engine::toString(d.drop), d.note);
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
  if (auto m = query.maxMessageSize()) maxSize = std::clamp<std::size_t>(*m, 576, 1500);
  Outgoing out;
  out.dest = replyDestination(query, reply, opts_.ports);
  out.ifIndex = meta.ifIndex;
  out.srcAddr = meta.ifAddr;
  out.type = type;
  out.bytes = proto::encode(reply, maxSize).bytes;

  if (haAck) {
    parkForHa(waitFor, std::move(out), d.changes, now);
    for (auto& o : haReady_) ready.push_back(std::move(o));
    haReady_.clear();
    return;
  }
  if (waitFor == 0 || waitFor <= writer_.durableSeq()) {
    ready.push_back(std::move(out));
    return;
  }
  if (!parking_.park(waitFor, std::move(out), now + opts_.parkTimeout)) {
    ++counts_[kReceiveDrop];
    log_.limited(Severity::Warn, "DHCP4_PARKING_FULL", "{} replies waiting for the lease file, dropping a {}",
                 parking_.size(), proto::toString(type));
  }
}

void DhcpPipeline::parkForHa(std::uint64_t seq, Outgoing out, const std::vector<engine::LeaseChange>& changes,
                             TimePoint now) {
  if (parked() >= opts_.parkCapacity) {
    ++counts_[kReceiveDrop];
    log_.limited(Severity::Warn, "DHCP4_PARKING_FULL", "{} replies waiting, dropping a DHCPACK", parked());
    return;
  }
  const std::uint64_t id = ++haNextId_;
  haParked_.emplace(id, HaParked{seq, now, now + opts_.parkTimeout, std::move(out)});
  // May call back at once (nothing to wait for in this HA state).
  ha_.leasesCommitted(changes, [this, id](bool ok) { onHaAck(id, ok); });
}

void DhcpPipeline::onHaAck(std::uint64_t id, bool ok) {
  auto it = haParked_.find(id);
  if (it == haParked_.end()) return;  // expired meanwhile
  HaParked p = std::move(it->second);
  haParked_.erase(it);
  if (!ok) {
    // Kea's rule: a required lease update failed, so the client hears nothing and retries.
    ++counts_[kHaUpdateFailed];
    ++counts_[kReceiveDrop];
    return;
  }
  if (p.seq == 0 || p.seq <= writer_.durableSeq()) {
    haReady_.push_back(std::move(p.out));
    if (ha_.wake) ha_.wake();
    return;
  }
  // Second stage: the journal; releaseDurable() lets it go.
  if (!parking_.park(p.seq, std::move(p.out), p.deadline)) ++counts_[kReceiveDrop];
}

void DhcpPipeline::releaseDurable(std::vector<Outgoing>& ready) {
  for (auto& o : haReady_) ready.push_back(std::move(o));
  haReady_.clear();
  if (parking_.empty()) return;
  auto seq = writer_.durableSeq();
  if (parking_.lowestSeq() > seq) return;
  for (auto& o : parking_.release(seq)) ready.push_back(std::move(o));
}

std::size_t DhcpPipeline::expireParked(TimePoint now) {
  std::size_t haExpired = 0;
  for (auto it = haParked_.begin(); it != haParked_.end();) {
    if (it->second.deadline <= now) {
      it = haParked_.erase(it);
      ++haExpired;
    } else {
      ++it;
    }
  }
  if (haExpired) {
    counts_[kHaUpdateFailed] += haExpired;
    log_.limited(Severity::Warn, "HA_LEASE_UPDATE_ACK_TIMEOUT",
                 "dropped {} replies whose lease updates the partner did not acknowledge in time", haExpired);
  }
  auto dropped = parking_.expire(now);
  if (!dropped.empty()) {
    counts_[kAckNotDurable] += dropped.size();
    std::string why = "journal is slow";
    if (auto* j = writer_.journal()) {
      if (auto e = j->lastError()) why = e->message;
    }
    log_.limited(Severity::Error, "DHCP4_ACK_NOT_DURABLE",
                 "dropped {} replies whose leases did not reach the lease file in time: {}", dropped.size(), why);
  }
  return dropped.size() + haExpired;
}

void DhcpPipeline::publish(TimePoint now) {
  // Kea lists every packet statistic from start-up (value 0), so monitoring that polls a
  // counter before the first packet finds it; the first publish creates them all.
  for (std::size_t i = 0; i < kCount; ++i) {
    if (counts_[i] || !published_) {
      stats_.add(kNames[i], std::int64_t(counts_[i]), now);
      counts_[i] = 0;
    }
  }
  published_ = true;
  writer_.publish(now);
}

}  // namespace tandem::net
