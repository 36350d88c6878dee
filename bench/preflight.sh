#!/usr/bin/env bash
# preflight.sh — how long a full `relayctl preflight` takes: 4 sending IPs and 2 From domains, with a DKIM
# key, a sample message and every built-in blocklist, against a responsive resolver (a private nsd on
# loopback serving tests/fixtures/dns). Prints one line per run and the median:
#   preflight ips=4 domains=2 findings=N seconds=S
# The issue's target: under 2 seconds. The answers are not cached between runs (each run is a new process).
# Environment: RUNS [5] RELAYCTL [build/cli/relayctl] BENCH_DIR [/tmp/relayctl-preflight-bench]
# Loopback only. Stops nsd on exit.
set -euo pipefail
export LC_ALL=C

RUNS=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
RELAYCTL=${RELAYCTL:-$root/build/cli/relayctl}
BENCH_DIR=${BENCH_DIR:-/tmp/relayctl-preflight-bench}
[[ -x $RELAYCTL ]] || {
	echo "$RELAYCTL not found: build first" >&2
	exit 1
}

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR/nsd"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
	printf 'server:\n  ip-address: 127.0.0.1@%s\n  port: %s\n  username: ""\n  chroot: ""\n  database: ""\n' "$port" "$port"
	printf '  zonesdir: "%s"\n  zonelistfile: "%s/zone.list"\n  xfrdfile: "%s/xfrd.state"\n  xfrdir: "%s"\n' \
		"$BENCH_DIR/nsd" "$BENCH_DIR/nsd" "$BENCH_DIR/nsd" "$BENCH_DIR/nsd"
	printf '  pidfile: "%s/nsd.pid"\n  logfile: "%s/nsd.log"\n  server-count: 1\nremote-control:\n  control-enable: no\n' \
		"$BENCH_DIR/nsd" "$BENCH_DIR/nsd"
	for zone in preflight.test loose.test 113.0.203.in-addr.arpa zen.spamhaus.org bl.spamcop.net b.barracudacentral.org \
		dnsbl-1.uceprotect.net dbl.spamhaus.org multi.surbl.org multi.uribl.com; do
		{ printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns.%s. hostmaster.%s. 1 3600 900 604800 60\n@ NS ns.%s.\n' "$zone" "$zone" "$zone" "$zone"
		  cat "$root/tests/fixtures/dns/$zone.zone"; } >"$BENCH_DIR/nsd/$zone.zone"
		printf 'zone:\n  name: "%s"\n  zonefile: "%s/%s.zone"\n' "$zone" "$BENCH_DIR/nsd" "$zone"
	done
} >"$BENCH_DIR/nsd/nsd.conf"
nsd -d -c "$BENCH_DIR/nsd/nsd.conf" >/dev/null 2>&1 &
nsd_pid=$!
trap 'kill "$nsd_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do drill -p "$port" @127.0.0.1 preflight.test SOA >/dev/null 2>&1 && break; sleep 0.1; done

install -m 0600 "$root/tests/fixtures/dkim/rsa2048.pem" "$BENCH_DIR/key.pem"
: >"$BENCH_DIR/empty.toml"
cat >"$BENCH_DIR/message.eml" <<'EML'
From: News <news@good.preflight.test>
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <b1@good.preflight.test>
Subject: bench
List-Unsubscribe: <https://links.good.preflight.test/u/1>
List-Unsubscribe-Post: List-Unsubscribe=One-Click

Unsubscribe: https://links.good.preflight.test/u/1
EML

times=()
for ((i = 1; i <= RUNS; i++)); do
	start=$EPOCHREALTIME
	out=$("$RELAYCTL" preflight --json --nameserver "127.0.0.1:$port" --dns-timeout 2 --config "$BENCH_DIR/empty.toml" \
		--ip 203.0.113.10 --ip 203.0.113.66 --ip 203.0.113.67 --ip 203.0.113.68 --helo mail.good.preflight.test \
		--domain good.preflight.test --domain loose.test --dkim-key "good.preflight.test:s1:$BENCH_DIR/key.pem" \
		--message "$BENCH_DIR/message.eml" --no-tls) || true
	seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	findings=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' <<<"$out")
	echo "preflight ips=4 domains=2 findings=$findings seconds=$seconds"
	times+=("$seconds")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median seconds=%s (of %d runs)\n", a[int((NR + 1) / 2)], NR }'
