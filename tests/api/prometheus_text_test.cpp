#include "dhcpd/api/prometheus_text.h"

#include <array>
#include <sstream>

#include <gtest/gtest.h>

namespace tandem::api {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(PrometheusTextTest, HelpAndTypeOncePerFamilyAndSamplesGrouped) {
  PrometheusText out;
  auto& a = out.family("kea_dhcp4_packets_received_total", "Packets received", MetricType::Gauge);
  auto& b = out.family("tandem_x_total", "X", MetricType::Counter);
  out.sample(a, {{"operation", "discover"}}, 3);
  out.sample(b, {}, 7);
  // Asking for a family again (other HELP or type) returns the first one unchanged.
  auto& a2 = out.family("kea_dhcp4_packets_received_total", "other", MetricType::Counter);
  EXPECT_EQ(&a, &a2);
  out.sample(a2, {{"operation", "request"}}, 4);
  EXPECT_EQ(out.familyCount(), 2u);
  EXPECT_EQ(out.finish(),
            "# HELP kea_dhcp4_packets_received_total Packets received\n"
            "# TYPE kea_dhcp4_packets_received_total gauge\n"
            "kea_dhcp4_packets_received_total{operation=\"discover\"} 3\n"
            "kea_dhcp4_packets_received_total{operation=\"request\"} 4\n"
            "# HELP tandem_x_total X\n"
            "# TYPE tandem_x_total counter\n"
            "tandem_x_total 7\n");
  EXPECT_EQ(out.finish(), "");  // the writer starts over
}

TEST(PrometheusTextTest, EscapesLabelValuesAndHelp) {
  PrometheusText out;
  auto& f = out.family("m", "line one\nback\\slash \"quoted\"", MetricType::Gauge);
  out.sample(f, {{"pool", "a\\b \"c\"\nd"}, {"empty", ""}}, -2);
  EXPECT_EQ(out.finish(),
            "# HELP m line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{pool=\"a\\\\b \\\"c\\\"\\nd\",empty=\"\"} -2\n");
}

TEST(PrometheusTextTest, FloatValues) {
  PrometheusText out;
  auto& f = out.family("tandem_seconds", "s", MetricType::Gauge);
  out.sample(f, std::span<const MetricLabel>(), 1.5);
  out.sample(f, std::span<const MetricLabel>(), 0.25);
  EXPECT_EQ(out.finish(),
            "# HELP tandem_seconds s\n# TYPE tandem_seconds gauge\ntandem_seconds 1.5\ntandem_seconds 0.25\n");
}

TEST(PrometheusTextTest, HistogramIsCumulativeWithInfSumAndCount) {
  static constexpr std::array<std::chrono::nanoseconds, 3> kBounds{1ms, 10ms, 100ms};
  LatencyHistogram h(kBounds);
  h.observe(500us);  // <= 1ms
  h.observe(1ms);    // le is inclusive
  h.observe(5ms);    // <= 10ms
  h.observe(2s);     // +Inf
  h.observe(-3ms);   // a clock step backwards counts as 0
  PrometheusText out;
  auto& f = out.family("tandem_latency_seconds", "latency", MetricType::Histogram);
  const std::array<MetricLabel, 1> l{{{"peer", "p1"}}};
  out.histogram(f, l, h);
  EXPECT_EQ(out.finish(),
            "# HELP tandem_latency_seconds latency\n"
            "# TYPE tandem_latency_seconds histogram\n"
            "tandem_latency_seconds_bucket{peer=\"p1\",le=\"0.001\"} 3\n"
            "tandem_latency_seconds_bucket{peer=\"p1\",le=\"0.01\"} 4\n"
            "tandem_latency_seconds_bucket{peer=\"p1\",le=\"0.1\"} 4\n"
            "tandem_latency_seconds_bucket{peer=\"p1\",le=\"+Inf\"} 5\n"
            "tandem_latency_seconds_sum{peer=\"p1\"} 2.0065\n"
            "tandem_latency_seconds_count{peer=\"p1\"} 5\n");
}

TEST(PrometheusTextTest, NameRules) {
  EXPECT_TRUE(validMetricName("kea_dhcp4_addresses_total"));
  EXPECT_TRUE(validMetricName("a:b_c9"));
  EXPECT_FALSE(validMetricName("9abc"));
  EXPECT_FALSE(validMetricName("kea-dhcp4"));
  EXPECT_FALSE(validMetricName(""));
  EXPECT_TRUE(validLabelName("subnet_id"));
  EXPECT_FALSE(validLabelName("__name__"));
  EXPECT_FALSE(validLabelName("a:b"));
  EXPECT_FALSE(validLabelName("1a"));
}

TEST(PrometheusTextTest, EmptyFamilyStillDeclared) {
  PrometheusText out;
  out.family("tandem_empty", "nothing yet", MetricType::Counter);
  EXPECT_EQ(lines(out.finish()),
            (std::vector<std::string>{"# HELP tandem_empty nothing yet", "# TYPE tandem_empty counter"}));
}

TEST(PrometheusTextTest, AWriterKeptAcrossExpositionsStartsAfreshEachTime) {
  PrometheusText out;
  auto write = [&](bool withB) {
    auto& a = out.family("a_total", "A", MetricType::Counter);
    out.sample(a, {{"k", "v"}}, 1);
    if (withB) out.sample(out.family("b", "B", MetricType::Gauge), {}, 2);
    out.sample(out.family("c", "C", MetricType::Gauge), {}, 3);
    return out.finish();
  };
  const std::string first = write(true);
  EXPECT_EQ(first,
            "# HELP a_total A\n# TYPE a_total counter\na_total{k=\"v\"} 1\n"
            "# HELP b B\n# TYPE b gauge\nb 2\n# HELP c C\n# TYPE c gauge\nc 3\n");
  EXPECT_EQ(write(true), first);  // nothing left over from the first one
  EXPECT_EQ(write(false),
            "# HELP a_total A\n# TYPE a_total counter\na_total{k=\"v\"} 1\n"
            "# HELP c C\n# TYPE c gauge\nc 3\n");
  EXPECT_EQ(out.familyCount(), 0u);
}

}  // namespace
}  // namespace tandem::api
