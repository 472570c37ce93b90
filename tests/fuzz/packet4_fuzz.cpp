// libFuzzer target: the DHCPv4 packet decoder (dhcpd/proto/packet4.h), fed what arrives on
// port 67 from anyone on the link. Beyond "no crash, no undefined behaviour" it checks the
// decoder's documented promise: a decoded packet re-encodes (without overload) to the same
// options, which decode again to the same packet.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "dhcpd/proto/client_fqdn.h"
#include "dhcpd/proto/packet4.h"

using namespace tandem::proto;

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "packet4_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = decode(std::span<const std::uint8_t>(data, size));
  if (!decoded) return 0;
  const Packet4& p = *decoded;
  // Every accessor the engine uses on an untrusted query.
  (void)p.messageType();
  (void)p.hwAddr().toString();
  (void)p.requestedAddress();
  (void)p.serverId();
  (void)p.clientId();
  (void)p.maxMessageSize();
  (void)p.parameterRequestList();
  (void)summary(p);
  if (const Option* fqdn = p.find(81)) (void)ClientFqdn::parse(fqdn->data);

  // Option 53 present twice is kept empty on purpose (Kea 2.2 drops such a query as
  // unsupported, see decode()); an empty 53 is not decodable, so no round trip for it.
  if (const Option* mt = p.find(53); mt && mt->data.empty()) return 0;
  // Options longer than 255 octets take part too: encode() splits them (RFC 3396) where each
  // instance stays valid on its own, as decode() (like Kea 2.2) checks each before joining.
  // Round trip: encode() never drops an option when the size allows all of them.
  EncodeResult again = encode(p, 1 << 20);
  check(again.droppedOptions.empty(), "encode dropped options without a size limit");
  auto redecoded = decode(again.bytes);
  check(redecoded.ok(), "a decoded packet does not decode after encode");
  const Packet4& q = *redecoded;
  check(q.op == p.op && q.htype == p.htype && q.hlen == p.hlen && q.hops == p.hops && q.xid == p.xid &&
            q.secs == p.secs && q.flags == p.flags && q.ciaddr == p.ciaddr && q.yiaddr == p.yiaddr &&
            q.siaddr == p.siaddr && q.giaddr == p.giaddr && q.chaddr == p.chaddr && q.sname == p.sname &&
            q.file == p.file,
        "fixed fields changed in the round trip");
  check(q.options.size() == p.options.size(), "option count changed in the round trip");
  for (const Option& o : p.options) {
    const Option* r = q.find(o.code);
    check(r != nullptr && r->data == o.data, "an option changed in the round trip");
  }
  // A reply-sized encode (the engine's path) drops options but must still decode.
  EncodeResult small = encode(p, 576);
  check(decode(small.bytes).ok(), "a size-limited encode does not decode");
  return 0;
}
