#pragma once
// Client classification of one query in Kea 2.2's order (Dhcpv4Srv::classifyPacket,
// Dhcpv4Exchange, requiredClassify):
//   1. classes the packet arrived with (HA_<server> from the HA scope filter);
//   2. ALL, then VENDOR_CLASS_<option 60>;
//   3. classes with a test, in configuration order, except only-if-required ones and those
//      depending on KNOWN/UNKNOWN (DROP here drops the query);
//   4. after the host reservation lookup: the reservation's client-classes (the tests of
//      step 3 are then evaluated again after them, as Kea does when a reservation brings
//      classes), KNOWN or UNKNOWN, then the classes depending on them;
//   5. once the address is chosen: the require-client-classes of the subnet and the pool
//      (Kea's order: shared network, subnet, pool), each evaluated if it has a test.
// The order in which classes join is kept: the first class defining an option, a boot field
// or a lifetime wins.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/classify/class_set.h"
#include "dhcpd/classify/evaluator.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

// The classes of one query: membership bits plus the order they joined in.
struct PacketClasses {
  classify::ClassSet set;
  std::vector<classify::ClassId> order;
  bool has(classify::ClassId id) const noexcept { return set.has(id); }
};

// Who may use a pool, subnet or shared network: no class (everybody), "client-class" (its
// members) or Kea 3.x "client-classes" (members of any of them).
struct ClassGate {
  std::vector<classify::ClassId> anyOf;
  bool open = true;
};

class PacketClassifier {
 public:
  PacketClassifier() = default;
  // Interns every name the engine needs into cfg.classTable (so the ids of compiled tests
  // stay valid) and indexes the class definitions. cfg must outlive the classifier.
  explicit PacketClassifier(config::Dhcp4Config& cfg);
  // After the engine has made its gates and required lists: indexes every interned name.
  void finalize();

  ClassGate gate(const std::string& clientClass, const std::vector<std::string>& clientClasses);
  static bool allows(const ClassGate& g, const PacketClasses& c) noexcept {
    if (g.open) return true;
    for (classify::ClassId id : g.anyOf) {
      if (c.has(id)) return true;
    }
    return false;
  }
  // The ids of a require-client-classes list (names never interned are dropped: Kea skips
  // undefined classes there).
  std::vector<classify::ClassId> ids(const std::vector<std::string>& names);

  struct Input {
    const proto::Packet4* pkt = nullptr;
    std::string_view iface;
    Ipv4 src, dst;
  };

  // Steps 1 to 3. Returns false when the query is in class DROP.
  bool early(PacketClasses& c, const Input& in, std::span<const std::string> arrived);
  // Step 4. known: a host reservation was found; reserved: its client-classes. Returns false
  // when the query is now in class DROP.
  bool afterHostLookup(PacketClasses& c, const Input& in, bool known, std::span<const std::string> reserved);
  // A class given by name after step 3 (the HA hub's HA_<scope>, at subnet selection as Kea's
  // subnet4_select adds it). Names nothing refers to are not interned and change nothing.
  void join(PacketClasses& c, std::string_view name) const { (void)addNamed(c, name); }
  // Step 5: lists in Kea's order (shared network, subnet, pool); duplicates evaluated once.
  void required(PacketClasses& c, const Input& in, std::span<const std::vector<classify::ClassId>* const> lists);

  // The definition of a class, or nullptr for built-in / undefined names.
  const config::ClientClassDef* def(classify::ClassId id) const noexcept {
    return id < defs_.size() ? defs_[id] : nullptr;
  }
  // Whether any defined class has option-data (else the per-scope option sets suffice).
  bool anyClassOptions() const noexcept { return anyOptions_; }

 private:
  void add(PacketClasses& c, classify::ClassId id) const {
    if (!c.set.has(id)) {
      c.set.add(id);
      c.order.push_back(id);
    }
  }
  void evaluatePass(PacketClasses& c, const Input& in, bool dependsOnKnown);
  void evaluate(PacketClasses& c, const Input& in, const config::ClientClassDef& d);
  bool addNamed(PacketClasses& c, std::string_view name) const;

  // The tests evaluated in steps 3 and 4 (classes with a test, not only-if-required), in
  // configuration order, split by whether they depend on KNOWN/UNKNOWN (finalize()).
  struct Test {
    const classify::Expression* test = nullptr;
    classify::ClassId id = 0;
  };
  std::vector<Test> passes_[2];

  config::Dhcp4Config* cfg_ = nullptr;
  std::vector<const config::ClientClassDef*> defs_;                       // by class id
  std::vector<std::pair<std::string, classify::ClassId>> vendorClasses_;  // "VENDOR_CLASS_x" suffixes
  classify::ClassId all_ = 0, known_ = 0, unknown_ = 0, drop_ = 0;
  bool dropDefined_ = false, anyOptions_ = false;
  classify::Evaluator evaluator_;
};

}  // namespace tandem::engine
