#include "dhcpd/api/prometheus_text.h"

#include <fmt/format.h>

namespace tandem::api {

std::string_view toString(MetricType t) noexcept {
  switch (t) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

namespace {

bool alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

bool validMetricName(std::string_view name) noexcept {
  if (name.empty() || !(alpha(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!(alpha(c) || digit(c) || c == ':')) return false;
  }
  return true;
}

bool validLabelName(std::string_view name) noexcept {
  if (name.empty() || !alpha(name[0]) || name.starts_with("__")) return false;
  for (char c : name) {
    if (!(alpha(c) || digit(c))) return false;
  }
  return true;
}

void appendLabelValue(std::string& out, std::string_view v) {
  if (v.find_first_of("\\\"\n") == std::string_view::npos) {
    out += v;  // the common case: nothing to escape
    return;
  }
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void appendHelpText(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

PrometheusText::Family& PrometheusText::family(std::string_view name, std::string_view help, MetricType type) {
  Family* f = nullptr;
  if (auto it = byName_.find(std::string(name)); it != byName_.end()) {
    f = it->second;
  } else {
    auto made = std::make_unique<Family>();
    made->name_ = std::string(name);
    made->help_ = std::string(help);
    made->type_ = type;
    f = made.get();
    byName_.emplace(f->name_, f);
    families_.push_back(std::move(made));
  }
  if (!f->used_) {
    f->used_ = true;
    order_.push_back(f);
  }
  return *f;
}

void PrometheusText::line(Family& f, std::string_view suffix, std::span<const MetricLabel> labels,
                          const MetricLabel* extra, std::string_view value) {
  std::string& b = f.body_;
  b += f.name_;
  b += suffix;
  if (!labels.empty() || extra) {
    b += '{';
    bool first = true;
    auto put = [&](const MetricLabel& l) {
      if (!first) b += ',';
      first = false;
      b += l.name;
      b += "=\"";
      appendLabelValue(b, l.value);
      b += '"';
    };
    for (const auto& l : labels) put(l);
    if (extra) put(*extra);
    b += '}';
  }
  b += ' ';
  b += value;
  b += '\n';
}

void PrometheusText::sample(Family& f, std::initializer_list<MetricLabel> labels, std::int64_t value) {
  sample(f, std::span<const MetricLabel>(labels.begin(), labels.size()), value);
}

void PrometheusText::sample(Family& f, std::span<const MetricLabel> labels, std::int64_t value) {
  line(f, "", labels, nullptr, fmt::format_int(value).c_str());
}

void PrometheusText::sample(Family& f, std::span<const MetricLabel> labels, double value) {
  line(f, "", labels, nullptr, fmt::format("{}", value));
}

void PrometheusText::histogram(Family& f, std::span<const MetricLabel> labels, const LatencyHistogram& h) {
  std::uint64_t cumulative = 0;
  const auto bounds = h.bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += h.bucketCount(i);
    const std::string le = fmt::format("{}", double(bounds[i].count()) / 1e9);
    const MetricLabel l{"le", le};
    line(f, "_bucket", labels, &l, fmt::format_int(cumulative).c_str());
  }
  cumulative += h.bucketCount(bounds.size());
  const MetricLabel inf{"le", "+Inf"};
  line(f, "_bucket", labels, &inf, fmt::format_int(cumulative).c_str());
  line(f, "_sum", labels, nullptr, fmt::format("{}", double(h.sumNanos()) / 1e9));
  line(f, "_count", labels, nullptr, fmt::format_int(cumulative).c_str());
}

std::string PrometheusText::finish() {
  std::size_t size = 0;
  for (const Family* f : order_) size += f->body_.size() + f->name_.size() * 2 + f->help_.size() + 32;
  std::string out;
  out.reserve(size);
  for (Family* f : order_) {
    out += "# HELP ";
    out += f->name_;
    out += ' ';
    appendHelpText(out, f->help_);
    out += "\n# TYPE ";
    out += f->name_;
    out += ' ';
    out += toString(f->type_);
    out += '\n';
    out += f->body_;
    f->body_.clear();  // keeps its capacity for the next exposition
    f->used_ = false;
  }
  order_.clear();
  return out;
}

}  // namespace tandem::api
