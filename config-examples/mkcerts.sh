#!/bin/bash
# Makes a throw-away CA and one certificate per HA peer for the config-examples (mutual TLS):
#   certs/ca.pem              trust-anchor of every peer
#   certs/<name>.pem/.key     peer certificate (SAN = its IP, EKU serverAuth + clientAuth,
#                             because each peer is both a TLS server and a TLS client)
# Usage: mkcerts.sh [DIR] [name=ip ...]   (default: ./certs server1=198.18.0.1
#        server2=198.18.0.2 server3=198.18.0.3). For production use your own PKI.
set -euo pipefail
dir=${1:-certs}
shift || true
peers=("$@")
[ ${#peers[@]} -eq 0 ] && peers=(server1=198.18.0.1 server2=198.18.0.2 server3=198.18.0.3)
mkdir -p "$dir"
cd "$dir"
if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 365 \
    -subj "/CN=tandem-ha-example-ca" 2>/dev/null
fi
for p in "${peers[@]}"; do
  name=${p%%=*} ip=${p#*=}
  [ -f "$name.pem" ] && continue
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:%s\n' \
    "$ip" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" -days 365 \
    -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
done
chmod 600 ./*.key
for p in "${peers[@]}"; do openssl verify -CAfile ca.pem "${p%%=*}.pem" >/dev/null; done
echo "certificates in $(pwd)"
