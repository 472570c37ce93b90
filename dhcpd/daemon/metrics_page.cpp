#include "dhcpd/daemon/metrics_page.h"

#include <array>

#include "dhcpd/api/kea_metrics.h"
#include "dhcpd/daemon/server.h"

namespace tandem::daemon {

using api::MetricLabel;
using api::MetricType;

namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// On a hub, every HA series carries label relationship="<this-server-name of the
// relationship>" first; with one relationship (every Kea 2.2 pair) the labels stay as they were.
struct RelationshipLabels {
  std::string_view relationship;
  std::vector<MetricLabel> buf;  // reused: a sample copies its labels out at once

  std::span<const MetricLabel> operator()(std::span<const MetricLabel> labels) {
    buf.clear();
    if (!relationship.empty()) buf.push_back({"relationship", relationship});
    buf.insert(buf.end(), labels.begin(), labels.end());
    return buf;
  }
  std::span<const MetricLabel> operator()(std::initializer_list<MetricLabel> labels) {
    return (*this)(std::span<const MetricLabel>(labels.begin(), labels.size()));
  }
};

}  // namespace

void writePipelineMetrics(api::PrometheusText& out, const net::DhcpPipeline& pipeline) {
  auto& proc = out.family("tandem_dhcp4_packet_processing_seconds",
                          "Time spent on one received packet: decoding, allocation, lease store and lease file "
                          "append, encoding (not the wait for the disk or the HA partner)",
                          MetricType::Histogram);
  out.histogram(proc, {}, pipeline.processingLatency());
  auto& parked = out.family("tandem_dhcp4_replies_waiting",
                            "Replies held until their leases are on disk or acknowledged by the HA partner",
                            MetricType::Gauge);
  out.sample(parked, {}, std::int64_t(pipeline.parked()));
}

void writeHaMetrics(api::PrometheusText& out, const HaService& ha, const net::DhcpPipeline* pipeline,
                    TimePoint /*now: every HA time here is steady*/, SteadyTime steadyNow,
                    std::string_view relationship) {
  const ha::HaStatus st = ha.machine().status(steadyNow);
  RelationshipLabels L{relationship, {}};
  // One series per state, 1 for the current one: alerts and Grafana's state timeline need no
  // knowledge of the state names, and a state left shows 0 instead of vanishing.
  auto& state = out.family("tandem_ha_state",
                           "HA state of this server (peer=\"local\") and of its partner as last seen "
                           "(peer=\"partner\"): 1 for the current state",
                           MetricType::Gauge);
  auto states = [&](std::string_view peer, std::string_view server, ha::Role role, std::optional<ha::HaState> cur) {
    for (ha::HaState s : ha::kAllStates) {
      if (s == ha::HaState::Unavailable && peer == "local") continue;
      const std::array<MetricLabel, 4> l{
          {{"peer", peer}, {"server", server}, {"role", ha::toString(role)}, {"state", ha::toString(s)}}};
      out.sample(state, L(l), std::int64_t(cur && *cur == s ? 1 : 0));
    }
  };
  states("local", st.localName, st.localRole, st.state);
  if (st.hasRemote) states("partner", st.remoteName, st.remoteRole, st.lastState);

  const std::array<MetricLabel, 1> local{{{"server", st.localName}}};
  out.sample(out.family("tandem_ha_state_duration_seconds", "Time this server has been in its current HA state",
                        MetricType::Gauge),
             L(local), seconds(steadyNow - st.stateSince));
  if (st.hasRemote) {
    out.sample(out.family("tandem_ha_partner_in_touch",
                          "1 while the partner answers heartbeats, 0 while communication is interrupted or "
                          "not yet established",
                          MetricType::Gauge),
               L({}), std::int64_t(st.inTouch && !st.communicationInterrupted ? 1 : 0));
    out.sample(out.family("tandem_ha_heartbeat_age_seconds", "Seconds since the partner's last heartbeat answer",
                          MetricType::Gauge),
               L({}), st.age);
    if (st.clockSkew) {
      out.sample(out.family("tandem_ha_clock_skew_seconds",
                            "Partner's clock minus this server's clock, from the last heartbeat (Kea terminates "
                            "the pair above 60)",
                            MetricType::Gauge),
                 L({}), *st.clockSkew);
    }
    out.sample(out.family("tandem_ha_unacked_clients",
                          "Clients whose queries the partner did not answer while communication is interrupted",
                          MetricType::Gauge),
               L({}), std::int64_t(st.unackedClients));
  }
  auto& unsent = out.family("tandem_ha_unsent_updates",
                            "Lease updates not sent to the partner (Kea's unsent-update-count): this server's, and "
                            "the partner's from its last heartbeat",
                            MetricType::Gauge);
  out.sample(unsent, L({{"peer", "local"}}), std::int64_t(st.unsentUpdateCount));
  if (st.partnerUnsentUpdateCount)
    out.sample(unsent, L({{"peer", "partner"}}), std::int64_t(*st.partnerUnsentUpdateCount));
  out.sample(out.family("tandem_ha_backlog_size",
                        "Lease updates queued for the partner while communication is interrupted, replayed in "
                        "communication-recovery",
                        MetricType::Gauge),
             L({}), std::int64_t(ha.backlogSize()));
  if (pipeline) {
    out.sample(out.family("tandem_ha_lease_updates_in_flight",
                          "DHCPACKs held until the partner acknowledges their lease updates", MetricType::Gauge),
               L({}), std::int64_t(pipeline->haInFlight()));
    out.histogram(out.family("tandem_ha_lease_update_duration_seconds",
                             "From a DHCPACK's lease commit to the partner's acknowledgement of the lease update "
                             "(round trip, batching included)",
                             MetricType::Histogram),
                  L({}), pipeline->haUpdateLatency());
  }
  out.sample(out.family("tandem_ha_bulk_update_requests_total", "Batched lease update requests sent to tandemd peers",
                        MetricType::Counter),
             L({}), std::int64_t(ha.bulkRequests()));
  out.sample(out.family("tandem_ha_bulk_update_leases_total", "Lease changes carried by batched update requests",
                        MetricType::Counter),
             L({}), std::int64_t(ha.bulkLeases()));

  // Lease synchronisation: the pull in flight, and the outcome of the last one.
  const auto running = ha.syncProgress();
  out.sample(out.family("tandem_ha_sync_in_progress", "1 while this server pulls the leases of a peer",
                        MetricType::Gauge),
             L({}), std::int64_t(running ? 1 : 0));
  auto& pages = out.family("tandem_ha_sync_pages", "Pages received by the sync in progress", MetricType::Gauge);
  auto& received =
      out.family("tandem_ha_sync_leases_received", "Leases received by the sync in progress", MetricType::Gauge);
  auto& written = out.family("tandem_ha_sync_leases_written",
                             "Leases stored (new or newer than ours) by the sync in progress", MetricType::Gauge);
  auto& elapsed =
      out.family("tandem_ha_sync_elapsed_seconds", "Time since the sync in progress started", MetricType::Gauge);
  if (running) {
    const std::array<MetricLabel, 2> l{{{"peer", running->peer}, {"mode", sync::toString(running->mode)}}};
    out.sample(pages, L(l), std::int64_t(running->pages));
    out.sample(received, L(l), std::int64_t(running->received));
    out.sample(written, L(l), std::int64_t(running->written));
    out.sample(elapsed, L(l), seconds(steadyNow - running->startedAt));
  }
  out.sample(out.family("tandem_ha_sync_consecutive_failures", "Failed lease syncs since the last success",
                        MetricType::Gauge),
             L({}), std::int64_t(ha.syncFailures()));
  if (const auto& last = ha.lastSync()) {
    const std::array<MetricLabel, 1> l{{{"peer", last->run.peer}}};
    out.sample(out.family("tandem_ha_last_sync_success", "1 if the last lease sync succeeded, 0 if it failed",
                          MetricType::Gauge),
               L(l), std::int64_t(last->ok ? 1 : 0));
    out.sample(out.family("tandem_ha_last_sync_leases", "Leases received by the last lease sync", MetricType::Gauge),
               L(l), std::int64_t(last->run.received));
    out.sample(out.family("tandem_ha_last_sync_duration_seconds", "Duration of the last lease sync", MetricType::Gauge),
               L(l), seconds(last->duration));
    out.sample(out.family("tandem_ha_last_sync_end_timestamp_seconds", "When the last lease sync ended (Unix time)",
                          MetricType::Gauge),
               L(l), std::int64_t(toEpochSeconds(last->finishedAt)));
  }
}

std::string renderMetrics(const MetricsInputs& in) {
  api::PrometheusText temporary;
  api::PrometheusText& out = in.writer ? *in.writer : temporary;
  const api::SubnetLabelMap subnets = api::subnetMetricLabels(in.config);
  api::KeaMetricsWriter kea(out, subnets);
  in.stats.forEachNewest([&](std::string_view name, const StatsRegistry::Sample& s) { kea.add(name, s.value); });
  out.sample(out.family("tandem_leases", "Leases in the lease store (any state)", MetricType::Gauge), {},
             std::int64_t(in.leases));
  out.sample(out.family("tandem_dhcp4_service_enabled",
                        "1 while DHCP service is enabled, 0 while disabled (dhcp-disable, HA)", MetricType::Gauge),
             {}, std::int64_t(in.dhcpEnabled ? 1 : 0));
  if (in.pipeline) writePipelineMetrics(out, *in.pipeline);
  // The pipeline's HA figures (replies waiting for the partner, update latency) are the
  // server's, written once with the first relationship.
  for (std::size_t i = 0; i < in.ha.size(); ++i) {
    writeHaMetrics(out, *in.ha[i], i == 0 ? in.pipeline : nullptr, in.now, in.steadyNow,
                   in.ha.size() > 1 ? std::string_view(in.ha[i]->machine().config().thisServerName)
                                    : std::string_view());
  }
  return out.finish();
}

// Server::addGetRoutes: GET /metrics, on the io thread like the packet path (so the writer
// kept in the server is never used by two scrapes at once).
net::HttpGetReply Server::metricsPage() const {
  MetricsInputs in{stats_, cfg_};
  in.leases = store_.size();
  in.dhcpEnabled = disabledBy_.empty();
  in.pipeline = pipeline_.get();
  if (ha_) {
    for (std::size_t i = 0; i < ha_->size(); ++i) in.ha.push_back(&ha_->relationship(i));
  }
  in.now = now();
  in.steadyNow = steadyNow();
  in.writer = &metricsWriter_;
  net::HttpGetReply reply;
  reply.contentType = std::string(api::kPrometheusContentType);
  reply.body = renderMetrics(in);
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

}  // namespace tandem::daemon
