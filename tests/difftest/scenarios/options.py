"""Option data as Kea 2.2 encodes and sends it: option-def types (records, arrays, every scalar
type), custom spaces carried by an encapsulating option, option 43 from
vendor-encapsulated-options-space, option 125 by enterprise (DOCSIS vendor ORO, always-send
sub-options), classless static routes (121, not standard in Kea 2.2), always-send, the basic
options Kea sends unrequested. Byte-level fixtures of the same behaviour: tests/data/kea-options."""
from _dsl import *

DEFS = [
    {"name": "o-uint8", "code": 200, "type": "uint8"},
    {"name": "o-int16", "code": 201, "type": "int16", "array": True},
    {"name": "o-bool", "code": 202, "type": "boolean", "array": True},
    {"name": "o-v6", "code": 203, "type": "ipv6-address"},
    {"name": "o-prefix", "code": 204, "type": "ipv6-prefix", "array": True},
    {"name": "o-psid", "code": 205, "type": "psid"},
    {"name": "o-fqdn", "code": 206, "type": "fqdn", "array": True},
    {"name": "o-tuple", "code": 207, "type": "tuple", "array": True},
    {"name": "o-empty", "code": 208, "type": "empty"},
    {"name": "o-binary", "code": 209, "type": "binary"},
    {"name": "r-plain", "code": 210, "type": "record", "record-types": "uint8, ipv4-address, uint16"},
    {"name": "r-array", "code": 211, "type": "record", "array": True, "record-types": "uint8, ipv4-address"},
    {"name": "r-string", "code": 214, "type": "record", "record-types": "uint16, string"},
    {"name": "classless-static-route", "code": 121, "type": "binary"},
    {"name": "container", "code": 220, "type": "empty", "encapsulate": "my-space"},
    {"name": "sub-a", "code": 1, "space": "my-space", "type": "ipv4-address"},
    {"name": "sub-b", "code": 2, "space": "my-space", "type": "string"},
    {"name": "vendor-a", "code": 1, "space": "vendor-encapsulated-options-space", "type": "ipv4-address"},
    {"name": "vendor-b", "code": 2, "space": "vendor-encapsulated-options-space", "type": "string"},
]
DATA = [
    {"name": "o-uint8", "data": "0xff"},
    {"name": "o-int16", "data": "-1, 1, 0x10"},
    {"name": "o-bool", "data": "True, 0, false"},
    {"name": "o-v6", "data": "2001:db8::1"},
    {"name": "o-prefix", "data": "2001:db8::/32, 3000::/4"},
    {"name": "o-psid", "data": "0x34/6"},
    {"name": "o-fqdn", "data": "a.example.org, B.example.org."},
    {"name": "o-tuple", "data": "one, two"},
    {"name": "o-empty"},
    {"name": "o-binary", "data": "de ad be ef"},
    {"name": "r-plain", "data": "7, 198.18.0.1, 1000"},
    {"name": "r-array", "data": "1, 198.18.0.1, 198.18.0.2, 198.18.0.3"},
    {"name": "r-string", "data": "5, text"},
    {"name": "classless-static-route", "data": "18c61201c6120001 00c6120001"},
    {"name": "container"},
    {"name": "sub-a", "space": "my-space", "data": "198.18.0.10"},
    {"name": "sub-b", "space": "my-space", "data": "abc"},
    {"name": "vendor-encapsulated-options"},
    {"name": "vendor-a", "space": "vendor-encapsulated-options-space", "data": "198.18.0.11"},
    {"name": "vendor-b", "space": "vendor-encapsulated-options-space", "data": "xyz"},
    {"name": "ntp-servers", "data": "198.18.0.123", "always-send": True},
    {"name": "domain-search", "data": "example.org, sub.example.org"},
    {"name": "fqdn", "data": "5, 0, 0, host.example.org."},
    {"name": "v4-portparams", "data": "2, 0x34/6"},
    {"name": "option-6rd", "data": "16, 32, 2001:db8::, 198.18.0.1, 198.18.0.2"},
]
ALL_DEFINED = [200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 214, 121, 220, 43, 119, 81, 159, 212]

VENDOR_DEFS = [{"name": "vs-a", "code": 1, "space": "vendor-12345", "type": "string"},
               {"name": "vs-b", "code": 2, "space": "vendor-12345", "type": "uint16"}]
VIVSO_4491 = "0000118b" + "04" + "01020102"   # enterprise 4491, DOCSIS vendor ORO asking for 2
VIVSO_12345 = "00003039" + "03" + "020102"    # enterprise 12345, one sub-option

GROUPS = [
    {"id": "options-defs", "config": {"option-def": DEFS, "option-data": DATA},
     "scenarios": [
         scn("all-requested", dora(prl=[1, 3, 6, 15, 42, 51, 54, 58, 59] + ALL_DEFINED)),
         scn("none-requested", discover(prl=[1])),
         scn("no-prl", discover(no_prl=True)),
         scn("records-and-arrays", discover(prl=[201, 202, 204, 206, 207, 210, 211, 214])),
         scn("classless-static-route", dora(prl=[1, 3, 121])),
         scn("vendor-43-and-custom-space", dora(prl=[43, 220])),
         scn("inform", inform(ciaddr="198.18.0.150", prl=[43, 121, 200, 220])),
         scn("inform-mask-requested", inform(ciaddr="198.18.0.151", prl=[1, 3, 6])),
     ]},
    {"id": "options-vivso", "config": {"option-def": VENDOR_DEFS, "option-data": [
         {"name": "vivso-suboptions", "data": "4491"},
         {"name": "tftp-servers", "space": "vendor-4491", "data": "198.18.0.69, 198.18.0.70"},
         {"name": "vs-a", "space": "vendor-12345", "data": "abc", "always-send": True},
         {"name": "vs-b", "space": "vendor-12345", "data": "7"}]},
     "scenarios": [
         scn("125-requested", dora(prl=[1, 3, 125])),
         scn("docsis-oro", dora(prl=[1, 3], options=[[125, VIVSO_4491]])),
         scn("docsis-oro-and-prl", dora(prl=[1, 3, 125], options=[[125, VIVSO_4491]])),
         scn("other-enterprise-always-send", dora(prl=[1, 3], options=[[125, VIVSO_12345]])),
         scn("124-only", discover(prl=[1, 3], options=[[124, "0000118b0403616263"]])),
         scn("truncated-client-125", discover(prl=[1], options=[[125, "000030390100"]])),
     ]},
    {"id": "options-vivso-always", "config": {"option-def": VENDOR_DEFS, "option-data": [
         {"name": "vivso-suboptions", "data": "12345", "always-send": True},
         {"name": "vs-a", "space": "vendor-12345", "data": "abc", "always-send": True}],
         "subnet4": [subnet(options=DEFAULT_SUBNET_OPTIONS + [
             {"name": "vs-b", "space": "vendor-12345", "data": "9", "always-send": True}])]},
     "scenarios": [
         scn("unrequested", dora(prl=[1])),
         scn("client-sent-4491", discover(prl=[1], options=[[125, VIVSO_4491]])),
     ]},
    {"id": "options-precedence", "config": {
         "option-data": [{"name": "ntp-servers", "data": "198.18.0.1", "always-send": True},
                         {"name": "domain-name", "data": "global.example"},
                         {"name": "time-offset", "data": "-3600"},
                         {"name": "subnet-mask", "data": "255.255.254.0"}],
         "subnet4": [subnet(options=DEFAULT_SUBNET_OPTIONS + [{"name": "ntp-servers", "data": "198.18.0.2"}],
                            pool=POOL)]},
     "scenarios": [
         scn("always-send-from-global-value-from-subnet", dora(prl=[1])),
         scn("requested", dora(prl=[2, 15, 42])),
         scn("inform-configured-mask", inform(ciaddr="198.18.0.152", prl=[1, 2])),
     ]},
]
