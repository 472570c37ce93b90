#pragma once
// Prometheus text exposition format, version 0.0.4 (what /metrics answers): one "# HELP" and
// one "# TYPE" line per metric family, then the family's samples, families never interleaved.
// Label values and HELP texts are escaped as the format requires (backslash, double quote in
// label values, line feed). Pure: builds a string, no I/O.
//
//   PrometheusText out;
//   auto& f = out.family("kea_dhcp4_packets_received_total", "Packets received", MetricType::Gauge);
//   out.sample(f, {{"operation", "discover"}}, 12);
//   std::string body = out.finish();
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dhcpd/common/latency_histogram.h"

namespace tandem::api {

enum class MetricType { Counter, Gauge, Histogram };
std::string_view toString(MetricType t) noexcept;

struct MetricLabel {
  std::string_view name;
  std::string_view value;
};

// The media type of the format, for the HTTP Content-Type header.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names: [a-zA-Z_][a-zA-Z0-9_]*, not "__"-prefixed.
bool validMetricName(std::string_view name) noexcept;
bool validLabelName(std::string_view name) noexcept;
// Appends `v` escaped for a label value (\\, \", \n) / for a HELP text (\\, \n).
void appendLabelValue(std::string& out, std::string_view v);
void appendHelpText(std::string& out, std::string_view v);

class PrometheusText {
 public:
  class Family {
   public:
    const std::string& name() const noexcept { return name_; }
    MetricType type() const noexcept { return type_; }

   private:
    friend class PrometheusText;
    std::string name_;
    std::string help_;
    MetricType type_ = MetricType::Gauge;
    bool used_ = false;  // declared since the last finish()
    std::string body_;   // sample lines
  };

  // The family of that name, created on first use (later calls return it unchanged, so HELP
  // and TYPE appear once whatever the order of the samples). Families are written in the
  // order of their first use since the last finish(). References stay valid as long as the
  // writer: a writer kept across scrapes keeps its families' buffers, so a scrape of a big
  // server neither regrows them nor touches fresh pages.
  Family& family(std::string_view name, std::string_view help, MetricType type);

  void sample(Family& f, std::initializer_list<MetricLabel> labels, std::int64_t value);
  void sample(Family& f, std::span<const MetricLabel> labels, std::int64_t value);
  void sample(Family& f, std::span<const MetricLabel> labels, double value);
  // A histogram family's series: cumulative _bucket lines (le in seconds, then +Inf), _sum
  // in seconds and _count.
  void histogram(Family& f, std::span<const MetricLabel> labels, const LatencyHistogram& h);

  // The whole exposition; the writer is empty afterwards (its buffers are kept).
  std::string finish();

  std::size_t familyCount() const noexcept { return order_.size(); }

 private:
  void line(Family& f, std::string_view suffix, std::span<const MetricLabel> labels, const MetricLabel* extra,
            std::string_view value);

  std::vector<std::unique_ptr<Family>> families_;  // every family ever declared
  std::unordered_map<std::string, Family*> byName_;
  std::vector<Family*> order_;  // declared since the last finish(), in order
};

}  // namespace tandem::api
