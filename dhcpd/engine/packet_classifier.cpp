#include "dhcpd/engine/packet_classifier.h"

#include <algorithm>

namespace tandem::engine {
namespace {
constexpr std::string_view kVendorClassPrefix = "VENDOR_CLASS_";
}  // namespace

PacketClassifier::PacketClassifier(config::Dhcp4Config& cfg) : cfg_(&cfg) {
  classify::ClassTable& t = cfg.classTable;
  all_ = t.intern("ALL");
  known_ = t.intern("KNOWN");
  unknown_ = t.intern("UNKNOWN");
  for (const auto& d : cfg.classes) {
    t.intern(d.name);
    dropDefined_ = dropDefined_ || d.name == "DROP";
    anyOptions_ = anyOptions_ || !d.options.empty();
  }
  drop_ = t.intern("DROP");
  // Names a query may carry that something can ask about: reservations' classes.
  for (const auto& r : cfg.reservations) {
    for (const auto& n : r.clientClasses) t.intern(n);
  }
  for (const auto& s : cfg.subnets) {
    for (const auto& r : s.reservations) {
      for (const auto& n : r.clientClasses) t.intern(n);
    }
  }
}

ClassGate PacketClassifier::gate(const std::string& clientClass, const std::vector<std::string>& clientClasses) {
  ClassGate g;
  if (!clientClass.empty()) g.anyOf.push_back(cfg_->classTable.intern(clientClass));
  for (const auto& n : clientClasses) g.anyOf.push_back(cfg_->classTable.intern(n));
  g.open = g.anyOf.empty();
  return g;
}

std::vector<classify::ClassId> PacketClassifier::ids(const std::vector<std::string>& names) {
  std::vector<classify::ClassId> out;
  for (const auto& n : names) out.push_back(cfg_->classTable.intern(n));
  return out;
}

bool PacketClassifier::addNamed(PacketClasses& c, std::string_view name) const {
  classify::ClassId id;
  if (!cfg_->classTable.find(name, id)) return false;  // nothing refers to it
  add(c, id);
  return true;
}

void PacketClassifier::evaluate(PacketClasses& c, const Input& in, const config::ClientClassDef& d) {
  classify::PacketInput pi{in.pkt, in.iface, in.src, in.dst, &c.set};
  // An evaluation error leaves the class out (Kea logs EVAL_RESULT ... error).
  if (evaluator_.evaluate(*d.test, pi) == classify::EvalResult::True) add(c, d.id);
}

void PacketClassifier::evaluatePass(PacketClasses& c, const Input& in, bool dependsOnKnown) {
  const classify::PacketInput pi{in.pkt, in.iface, in.src, in.dst, &c.set};
  for (const Test& t : passes_[dependsOnKnown ? 1 : 0]) {
    // An evaluation error leaves the class out (Kea logs EVAL_RESULT ... error).
    if (evaluator_.evaluate(*t.test, pi) == classify::EvalResult::True) add(c, t.id);
  }
}

void PacketClassifier::finalize() {
  const std::size_t n = cfg_->classTable.size();
  defs_.assign(n, nullptr);
  for (const auto& d : cfg_->classes) defs_[d.id] = &d;
  for (auto& p : passes_) p.clear();
  for (const auto& d : cfg_->classes) {
    if (d.test && !d.onlyIfRequired) passes_[d.dependsOnKnown ? 1 : 0].push_back(Test{&*d.test, d.id});
  }
  vendorClasses_.clear();
  for (classify::ClassId id = 0; id < n; ++id) {
    const std::string& name = cfg_->classTable.name(id);
    if (name.size() > kVendorClassPrefix.size() &&
        name.compare(0, kVendorClassPrefix.size(), kVendorClassPrefix) == 0) {
      vendorClasses_.emplace_back(name.substr(kVendorClassPrefix.size()), id);
    }
  }
}

bool PacketClassifier::early(PacketClasses& c, const Input& in, std::span<const std::string> arrived) {
  c.set.reset(defs_.size());
  c.order.clear();
  for (const auto& name : arrived) addNamed(c, name);
  add(c, all_);
  // Kea's classifyByVendor: VENDOR_CLASS_ + option 60 as text (OptionString, without
  // trailing NULs). Only names something refers to can matter.
  if (const proto::Option* vc = in.pkt->find(proto::opt::kVendorClassId); vc && !vendorClasses_.empty()) {
    std::size_t len = vc->data.size();
    while (len > 0 && vc->data[len - 1] == 0) --len;
    const std::string_view text(reinterpret_cast<const char*>(vc->data.data()), len);
    for (const auto& [suffix, id] : vendorClasses_) {
      if (suffix == text) add(c, id);
    }
  }
  evaluatePass(c, in, false);
  return !(dropDefined_ && c.has(drop_));
}

bool PacketClassifier::afterHostLookup(PacketClasses& c, const Input& in, bool known,
                                       std::span<const std::string> reserved) {
  if (!reserved.empty()) {
    // Dhcpv4Exchange: the classes evaluated in the first pass are removed and evaluated
    // again after the reserved ones, so that a test like "not member('reserved')" sees them.
    for (const auto& d : cfg_->classes) {
      if (!d.test || !c.has(d.id)) continue;
      c.order.erase(std::remove(c.order.begin(), c.order.end(), d.id), c.order.end());
    }
    c.set.clear();
    for (classify::ClassId id : c.order) c.set.add(id);
    for (const auto& name : reserved) addNamed(c, name);
    evaluatePass(c, in, false);
  }
  add(c, known ? known_ : unknown_);
  evaluatePass(c, in, true);
  return !(dropDefined_ && c.has(drop_));
}

void PacketClassifier::required(PacketClasses& c, const Input& in,
                                std::span<const std::vector<classify::ClassId>* const> lists) {
  // Kea collects the lists into one ordered set first, then evaluates each once.
  classify::ClassId seen[64];
  std::size_t nSeen = 0;
  for (const auto* list : lists) {
    if (!list) continue;
    for (classify::ClassId id : *list) {
      if (std::find(seen, seen + nSeen, id) != seen + nSeen) continue;
      if (nSeen < std::size(seen)) seen[nSeen++] = id;
      const config::ClientClassDef* d = def(id);
      // Undefined classes and classes without a test are skipped (Kea 2.2).
      if (d && d->test) evaluate(c, in, *d);
    }
  }
}

}  // namespace tandem::engine
