#!/usr/bin/env bash
# queue_memory.sh — RSS of `relayctl serve` while N messages wait for a destination that is not taking
# mail: smtp-source injects N single-recipient messages of SIZE bytes into a `relay` listener whose only
# route points at a loopback port where nothing listens (every attempt is deferred, nothing is delivered),
# then the daemon's VmRSS and VmHWM are read from /proc. Prints one line:
#   queue_memory n=200000 size=4096 queued=Q rss_mb=R peak_mb=P inject_s=S
# Environment: N [200000] SIZE [4096] SESSIONS [20] RELAYCTL [build/cli/relayctl]
#   BENCH_DIR [/tmp/relayctl-queue-memory] PORT [2546]
# Loopback only. Needs smtp-source (postfix). Stops the daemon on exit.
set -euo pipefail
export LC_ALL=C

N=${N:-200000}
SIZE=${SIZE:-4096}
SESSIONS=${SESSIONS:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
RELAYCTL=${RELAYCTL:-$root/build/cli/relayctl}
BENCH_DIR=${BENCH_DIR:-/tmp/relayctl-queue-memory}
PORT=${PORT:-2546}

[[ -x $RELAYCTL ]] || {
	echo "$RELAYCTL not found: build first" >&2
	exit 1
}
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"/{spool,log}
closed_port=$((PORT + 1)) # nothing listens there: the destination refuses connections
cat >"$BENCH_DIR/relayctl.toml" <<EOF
[server]
hostname = "relay.bench.test"
[[server.listener]]
address = "127.0.0.1"
port = $PORT
kind = "relay"
[spool]
directory = "$BENCH_DIR/spool"
[campaigns]
database = "$BENCH_DIR/relayctl.db"
[admin]
metrics_listen = ""
[dns]
nameservers = ["127.0.0.1:$((PORT + 2))"]
[delivery]
accounting_log = "$BENCH_DIR/log/delivery.log"
[[delivery.route]]
domain = "*"
next_hop = "127.0.0.1:$closed_port"
EOF
"$RELAYCTL" --log-level warn serve --config "$BENCH_DIR/relayctl.toml" 2>"$BENCH_DIR/log/serve.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done

t0=$EPOCHREALTIME
smtp-source -4 -c -s "$SESSIONS" -m "$N" -l "$SIZE" -M client.bench.test -f sender@bench.test \
	-t rcpt@slow.test "127.0.0.1:$PORT" >"$BENCH_DIR/log/source.out" 2>"$BENCH_DIR/log/source.err"
t1=$EPOCHREALTIME
sleep 5 # let the engine take every message in and defer it
queued=$("$RELAYCTL" queue stats --json --config "$BENCH_DIR/relayctl.toml" | sed -n 's/.*"messages": *\([0-9]*\).*/\1/p')
rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
peak=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
inject=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
echo "queue_memory n=$N size=$SIZE queued=${queued:-?} rss_mb=$rss peak_mb=$peak inject_s=$inject"
