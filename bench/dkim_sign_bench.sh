#!/usr/bin/env bash
# dkim_sign_bench.sh — DKIM signing throughput of 4 KB messages on one core beside its ceiling, measured in
# the same run: `openssl speed -seconds 3 rsa2048` sign/s (one process, one core) and bench/dkim_sign_bench's
# Sign/rsa2048 and Sign/ed25519 items/s (dkim::Signer::sign, single thread). Prints the figures and the
# ratio relayctl/openssl (docs/benchmarks.md, "DKIM signing"; target ≥ 85 %).
# Environment: BENCH [build/bench/dkim_sign_bench]
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=${BENCH:-$HERE/../build/bench/dkim_sign_bench}
[[ -x $BENCH ]] || { echo "dkim_sign_bench.sh: build it first: ninja -C build dkim_sign_bench" >&2; exit 2; }

openssl_sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '$1 == "rsa" && $2 == "2048" {print $6}')
json=$("$BENCH" --benchmark_format=json 2>/dev/null)
rate() { python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f" % next(b["items_per_second"] for b in d["benchmarks"] if b["name"].startswith(sys.argv[1])))' "$1" <<<"$json"; }
rsa=$(rate Sign/rsa2048)
ed=$(rate Sign/ed25519)
raw=$(rate OpenSslSign/rsa2048)
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "openssl speed rsa2048 sign/s:           $openssl_sign"
echo "in-process EVP_PKEY_sign rsa2048 /s:    $raw"
echo "relayctl Sign/rsa2048 4 KB messages/s:  $rsa"
echo "relayctl Sign/ed25519 4 KB messages/s:  $ed"
python3 -c 'import sys; print("ratio relayctl rsa2048 / openssl speed: %.0f %%" % (100 * float(sys.argv[1]) / float(sys.argv[2])))' "$rsa" "$openssl_sign"
