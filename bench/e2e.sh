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
#   EVENTS [1: delivery events recorded in SQLite, the default; 0: [bounces] record_events = false]
#   PEER [1] RELAYCTL [build/cli/relayctl] BENCH_DIR [/tmp/relayctl-e2e] PORT [2536] SINK_PORT [2535]
# Loopback only. Needs root (smtp-sink -u). Stops what it started on exit.
set -euo pipefail
export LC_ALL=C

N=${N:-20000}
SIZE=${SIZE:-4096}
SESSIONS=${SESSIONS:-20}
DKIM=${DKIM:-1}
EVENTS=${EVENTS:-1}
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

((EVENTS)) || EXTRA_TOML="${EXTRA_TOML:-}"$'\n[bounces]\nrecord_events = false\n'
# shellcheck source=bench/lib/relay_sink.sh
. "$root/bench/lib/relay_sink.sh"
command -v smtp-source >/dev/null || die "smtp-source missing: scripts/install-deps"
start_relay_and_sink

t0=$EPOCHREALTIME
smtp-source -4 -c -s "$SESSIONS" -m "$N" -l "$SIZE" -M client.bench.test -f sender@bench.test \
	-t rcpt@sink.test "127.0.0.1:$PORT" >"$BENCH_DIR/log/source.out" 2>"$BENCH_DIR/log/source.err" ||
	die "smtp-source failed: $(tail -n 3 "$BENCH_DIR/log/source.err")"
t_inject=$EPOCHREALTIME
wait_for_sink "$N"
t_done=$EPOCHREALTIME
inject_s=$(awk -v a="$t0" -v b="$t_inject" 'BEGIN { printf "%.2f", b - a }')
total_s=$(awk -v a="$t0" -v b="$t_done" -v i="$inject_s" 'BEGIN { t = b - a; if (t < i) t = i; printf "%.2f", t }')
queued=$("$RELAYCTL" queue stats --json --config "$BENCH_DIR/relayctl.toml" | sed -n 's/.*"messages": *\([0-9]*\).*/\1/p')
log "sink counted $(sink_count) messages; relayctl still queues ${queued:-?}"
((DKIM == 0)) || check_all_signed "$N"
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
