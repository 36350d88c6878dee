#!/usr/bin/env bash
# spool_accept_bench.sh — how fast `relayctl serve` accepts mail durably, beside Postfix and the raw
# loopback ceiling, measured the same way in the same run (docs/benchmarks.md has the figures).
#   relayctl: smtp-source (20 sessions, 4 KB messages, one connection per message) into a `relay`
#             listener; every 250 means the message is fsync'd in the spool; nothing is delivered.
#             accepted msgs/s = N / (smtp-source start -> its last 250); then the queue must hold N messages.
#   postfix:  ../shared/bench/peer-postfix.sh DKIM=0 (its inject_s: Postfix's durable accept rate)
#   direct:   ../shared/bench/peer-postfix.sh PEER_ONLY_SINK=1 (smtp-source -> smtp-sink)
# Environment: N [20000] SIZE [4096] SESSIONS [20] RUNS [1] RELAYCTL [build/cli/relayctl]
#   PEERS [1] also run the Postfix and direct measurements (needs root and ../shared/bench/peer-postfix.sh)
# Prints one line per measurement on stdout; progress on stderr. Loopback only. Stops what it starts.
set -euo pipefail
export LC_ALL=C

N=${N:-20000}
SIZE=${SIZE:-4096}
SESSIONS=${SESSIONS:-20}
RUNS=${RUNS:-1}
PEERS=${PEERS:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RELAYCTL=${RELAYCTL:-$ROOT/build/cli/relayctl}
PEER_SCRIPT=${PEER_SCRIPT:-$ROOT/../shared/bench/peer-postfix.sh}

log() { printf '[spool-accept] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[[ -x $RELAYCTL ]] || die "no relayctl at $RELAYCTL; build it (ninja -C build relayctl) or set RELAYCTL"
command -v smtp-source >/dev/null || die "smtp-source missing: install the postfix package (scripts/install-deps)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d /tmp/spool-accept.XXXXXX)
DAEMON_PID=
cleanup() {
	[[ -n $DAEMON_PID ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

run_relayctl() {
	local port spool config start end
	port=$(free_port)
	spool="$WORK/spool-$1"
	config="$WORK/relayctl-$1.toml"
	cat >"$config" <<-TOML
		[server]
		hostname = "bench.test"
		[server.limits]
		max_connections = 1000
		max_connections_per_ip = 1000
		[[server.listener]]
		address = "127.0.0.1"
		port = $port
		kind = "relay"
		[spool]
		directory = "$spool"
		[campaigns]
		database = "$WORK/relayctl-$1.db"
		[admin]
		metrics_listen = ""
	TOML
	"$RELAYCTL" --log-level warn serve --config "$config" 2>"$WORK/serve-$1.log" &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.05
	done
	start=$EPOCHREALTIME
	smtp-source -s "$SESSIONS" -m "$N" -l "$SIZE" -f sender@bench.test -t rcpt@sink.test "127.0.0.1:$port"
	end=$EPOCHREALTIME
	local queued
	queued=$("$RELAYCTL" queue stats --json --config "$config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])')
	[[ $queued == "$N" ]] || die "the queue holds $queued messages, expected $N"
	kill "$DAEMON_PID"
	wait "$DAEMON_PID" || die "relayctl serve did not exit cleanly"
	DAEMON_PID=
	awk -v n="$N" -v s="$start" -v e="$end" -v size="$SIZE" \
		'BEGIN { t = e - s; printf "peer=relayctl n=%d size=%d inject_s=%.2f msgs_per_s=%.0f\n", n, size, t, n / t }'
}

for run in $(seq "$RUNS"); do
	log "run $run: relayctl"
	run_relayctl "$run"
	if ((PEERS)); then
		[[ -x $PEER_SCRIPT ]] || die "no peer script at $PEER_SCRIPT; set PEER_SCRIPT or PEERS=0"
		log "run $run: postfix (DKIM=0)"
		DKIM=0 N=$N SIZE=$SIZE SESSIONS=$SESSIONS "$PEER_SCRIPT" 2>/dev/null | tail -1 |
			awk -v n="$N" '{ print; for (i = 1; i <= NF; i++) if ($i ~ /^inject_s=/) { split($i, a, "="); printf "peer=postfix-accept n=%d msgs_per_s=%.0f\n", n, n / a[2] } }'
		log "run $run: direct smtp-source -> smtp-sink"
		PEER_ONLY_SINK=1 N=$N SIZE=$SIZE SESSIONS=$SESSIONS "$PEER_SCRIPT" 2>/dev/null | tail -1
	fi
done
