#!/usr/bin/env bash
# e2e.sh — relayctl's headline benchmark, the same job as ../shared/bench/peer-postfix.sh: smtp-source
# injects N messages of SIZE bytes over SESSIONS parallel sessions into a `relay` listener; relayctl spools
# them durably (fsync before every 250), DKIM-signs them when DKIM=1, and delivers them to smtp-sink on
# loopback. Prints one line on stdout, in the peer script's format:
#   peer=relayctl dkim=1 n=20000 size=4096 inject_s=X total_s=Y msgs_per_s=Z
#     inject_s   smtp-source start -> its last 250 (every message queued durably)
#     total_s    smtp-source start -> the sink has counted N messages;   msgs_per_s = N / total_s
# With PEER=1 it then runs the Postfix peer (DKIM as here) and PEER_ONLY_SINK=1 (the loopback ceiling) in
# the same run and prints their lines and the ratios, for docs/benchmarks.md.
# Environment: N [20000] SIZE [4096] SESSIONS [20] DKIM [1: rsa-sha256 2048, relaxed/relaxed, as the peer]
#   PEER [1] RELAYCTL [build/cli/relayctl] BENCH_DIR [/tmp/relayctl-e2e] PORT [2536] SINK_PORT [2535]
# Loopback only. Needs root (smtp-sink -u). Stops what it started on exit.
set -euo pipefail
export LC_ALL=C

N=${N:-20000}
SIZE=${SIZE:-4096}
SESSIONS=${SESSIONS:-20}
DKIM=${DKIM:-1}
PEER=${PEER:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
RELAYCTL=${RELAYCTL:-$root/build/cli/relayctl}
BENCH_DIR=${BENCH_DIR:-/tmp/relayctl-e2e}
PORT=${PORT:-2536}
SINK_PORT=${SINK_PORT:-2535}
STALL_S=${STALL_S:-60}

log() { printf '[e2e] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

PIDS=()
cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	((rc == 0)) || log "failed (exit $rc); logs in $BENCH_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[[ $EUID -eq 0 ]] || die "run as root (smtp-sink -u nobody)"
[[ -x $RELAYCTL ]] || die "$RELAYCTL not found: build first (cmake --build build)"
command -v smtp-source >/dev/null || die "smtp-source missing: scripts/install-deps"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # PORT PID WHAT
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$2" 2>/dev/null || die "$3 exited at start; see $BENCH_DIR"
		port_open "$1" && return 0
		sleep 0.05
	done
	die "$3 is not listening on 127.0.0.1:$1"
}

for port in "$PORT" "$SINK_PORT"; do ! port_open "$port" || die "127.0.0.1:$port is in use"; done
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"/{spool,sink,log}
chmod 755 "$BENCH_DIR"
chown nobody "$BENCH_DIR/sink"

# The sink counts messages (smtp-sink -c writes "... mesg=N" as they arrive).
smtp-sink -u nobody -c "127.0.0.1:$SINK_PORT" 1024 >"$BENCH_DIR/sink/count.out" 2>"$BENCH_DIR/log/sink.err" &
SINK_PID=$!
PIDS+=("$SINK_PID")
wait_port "$SINK_PORT" "$SINK_PID" smtp-sink

unused_dns=$((SINK_PORT + 1000)) # no DNS is needed: everything goes to the static route
metrics_port=$((SINK_PORT + 1001))
dkim_table=""
if ((DKIM)); then
	mkdir -p "$BENCH_DIR/keys"
	"$RELAYCTL" dkim keygen --domain bench.test --selector s1 --out "$BENCH_DIR/keys" >"$BENCH_DIR/log/keygen.out"
	dkim_table=$(printf '[[dkim.sign]]\nfrom = "*"\ndomain = "bench.test"\nselector = "s1"\nkey = "%s"\n' \
		"$BENCH_DIR/keys/bench.test.s1.pem")
fi
cat >"$BENCH_DIR/relayctl.toml" <<EOF
[server]
hostname = "relay.bench.test"
trusted_networks = ["127.0.0.0/8"]
[[server.listener]]
address = "127.0.0.1"
port = $PORT
kind = "relay"
[spool]
directory = "$BENCH_DIR/spool"
[campaigns]
database = "$BENCH_DIR/relayctl.db"
[admin]
metrics_listen = "127.0.0.1:$metrics_port"
[dns]
nameservers = ["127.0.0.1:$unused_dns"]
$dkim_table
[delivery]
accounting_log = "$BENCH_DIR/log/delivery.log"
[[delivery.route]]
domain = "*"
next_hop = "127.0.0.1:$SINK_PORT"
[[delivery.shaping]]
match = "sink.test"
max_connections = 20
max_messages_per_connection = 1000
EOF
"$RELAYCTL" config check --config "$BENCH_DIR/relayctl.toml" >/dev/null 2>"$BENCH_DIR/log/config.err" ||
	die "config: $(cat "$BENCH_DIR/log/config.err")"
"$RELAYCTL" --log-level warn serve --config "$BENCH_DIR/relayctl.toml" 2>"$BENCH_DIR/log/serve.err" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_port "$PORT" "$SERVE_PID" "relayctl serve"

sink_count() { # the last "mesg=N" smtp-sink wrote
	tr '\r' '\n' <"$BENCH_DIR/sink/count.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1
}

t0=$EPOCHREALTIME
smtp-source -4 -c -s "$SESSIONS" -m "$N" -l "$SIZE" -M client.bench.test -f sender@bench.test \
	-t rcpt@sink.test "127.0.0.1:$PORT" >"$BENCH_DIR/log/source.out" 2>"$BENCH_DIR/log/source.err" ||
	die "smtp-source failed: $(tail -n 3 "$BENCH_DIR/log/source.err")"
t_inject=$EPOCHREALTIME
last=-1 still=0
while :; do
	got=$(sink_count)
	got=${got:-0}
	((got >= N)) && break
	if ((got == last)); then
		still=$((still + 1))
		((still < STALL_S * 50)) || die "the sink stalled at $got of $N messages"
	else
		still=0 last=$got
	fi
	sleep 0.02
done
t_done=$EPOCHREALTIME
inject_s=$(awk -v a="$t0" -v b="$t_inject" 'BEGIN { printf "%.2f", b - a }')
total_s=$(awk -v a="$t0" -v b="$t_done" -v i="$inject_s" 'BEGIN { t = b - a; if (t < i) t = i; printf "%.2f", t }')
queued=$("$RELAYCTL" queue stats --json --config "$BENCH_DIR/relayctl.toml" | sed -n 's/.*"messages": *\([0-9]*\).*/\1/p')
log "sink counted $(sink_count) messages; relayctl still queues ${queued:-?}"
if ((DKIM)); then # every message must have been signed, or the figure is not DKIM's
	signed=$(python3 -c 'import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1]).read().decode().splitlines():
    if line.startswith("relayctl_dkim_messages_signed_total "): print(line.split()[1])' "http://127.0.0.1:$metrics_port/metrics")
	log "relayctl signed ${signed:-?} messages"
	((${signed:-0} >= N)) || die "only ${signed:-0} of $N messages were DKIM-signed"
fi
line=$(awk -v n="$N" -v size="$SIZE" -v dkim="$DKIM" -v i="$inject_s" -v t="$total_s" \
	'BEGIN { printf "peer=relayctl dkim=%d n=%d size=%d inject_s=%.2f total_s=%.2f msgs_per_s=%.0f", dkim, n, size, i, t, n / t }')
echo "$line"

if ((PEER)); then
	kill "$SERVE_PID" "$SINK_PID" 2>/dev/null || true
	wait "$SERVE_PID" "$SINK_PID" 2>/dev/null || true
	PIDS=()
	peer=$root/../shared/bench/peer-postfix.sh
	[[ -x $peer ]] || peer=/work/shared/bench/peer-postfix.sh
	postfix_line=$(N=$N SIZE=$SIZE SESSIONS=$SESSIONS DKIM=$DKIM "$peer" 2>"$BENCH_DIR/log/peer-postfix.err" | tail -n 1)
	direct_line=$(N=$N SIZE=$SIZE SESSIONS=$SESSIONS PEER_ONLY_SINK=1 "$peer" 2>"$BENCH_DIR/log/peer-direct.err" | tail -n 1)
	echo "$postfix_line"
	echo "$direct_line"
	rate() { sed -n 's/.*msgs_per_s=\([0-9]*\).*/\1/p' <<<"$1"; }
	awk -v r="$(rate "$line")" -v p="$(rate "$postfix_line")" -v d="$(rate "$direct_line")" \
		'BEGIN { printf "ratio relayctl/postfix=%.2f relayctl/direct=%.2f\n", r / p, r / d }'
fi
