#!/usr/bin/env bash
# campaign.sh — the campaign path against the plain relay path, in one run: first bench/e2e.sh (smtp-source
# injects N messages into a relay listener; relayctl spools, DKIM-signs and delivers them to smtp-sink),
# then the same N as a campaign: `relayctl campaign send` reads an N-recipient CSV, renders one message per
# recipient (text + HTML, about SIZE bytes, like e2e's), signs its VERP return path and injects it into
# `relayctl serve` (the same configuration: spool, DKIM, delivery to smtp-sink). Prints the e2e line, the
# campaign line and the ratio; the issue's target is campaign/e2e >= 0.90 (the campaign tool is never the
# bottleneck).
#   peer=campaign dkim=1 n=100000 size=4096 connections=C send_s=X total_s=Y msgs_per_s=Z
#     send_s   campaign send start -> it exits (every recipient injected: each had its 250)
#     total_s  campaign send start -> the sink has counted N messages;   msgs_per_s = N / total_s
# Environment: N [100000] SIZE [4096] CONNECTIONS [20: as e2e's smtp-source sessions] DKIM [1]
#   RELAYCTL [build/cli/relayctl] BENCH_DIR [/tmp/relayctl-campaign] PORT [2546] SINK_PORT [2545]
# Loopback only. Needs root (smtp-sink -u). Stops what it started on exit.
set -euo pipefail
export LC_ALL=C

N=${N:-100000}
SIZE=${SIZE:-4096}
CONNECTIONS=${CONNECTIONS:-20}
DKIM=${DKIM:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
RELAYCTL=${RELAYCTL:-$root/build/cli/relayctl}
BENCH_DIR=${BENCH_DIR:-/tmp/relayctl-campaign}
PORT=${PORT:-2546}
SINK_PORT=${SINK_PORT:-2545}
STALL_S=${STALL_S:-60}

log() { printf '[campaign] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

log "e2e with the same N first (bench/e2e.sh, PEER=0)"
e2e_line=$(N=$N SIZE=$SIZE SESSIONS=$CONNECTIONS DKIM=$DKIM PEER=0 RELAYCTL=$RELAYCTL "$root/bench/e2e.sh" | tail -n 1)
echo "$e2e_line"

CAMPAIGNS_TOML="token_secret_file = \"$BENCH_DIR/token.secret\"
inject_connections = $CONNECTIONS"
# shellcheck source=bench/lib/relay_sink.sh
. "$root/bench/lib/relay_sink.sh"
prepare_bench_dir() { (umask 077; openssl rand -hex 32 >"$BENCH_DIR/token.secret"); }
start_relay_and_sink

# The campaign: N recipients at sink.test (one shaping rule, as e2e's), text and HTML parts whose
# rendered size is about SIZE bytes in all.
mkdir -p "$BENCH_DIR/campaign"
awk -v n="$N" 'BEGIN { print "email,first_name,city"; for (i = 1; i <= n; i++) printf "r%d@sink.test,Reader %d,City %d\n", i, i, i % 97 }' \
	>"$BENCH_DIR/campaign/list.csv"
half=$((SIZE / 2))
python3 - "$BENCH_DIR/campaign" "$half" <<'PY'
import sys
d, half = sys.argv[1], int(sys.argv[2])
para = "Spring is here, {{first_name}}: our news for {{city}} and the latest from the workshop. "
text = "Hello {{first_name}},\n\n" + "\n".join(para for _ in range(max(1, half // len(para)))) + \
    "\n\nUnsubscribe: {{unsubscribe_url}}\n"
html = "<html><body><p>Hello {{first_name}},</p>\n" + \
    "\n".join("<p>" + para + "</p>" for _ in range(max(1, half // (len(para) + 7)))) + \
    '\n<p><a href="{{unsubscribe_url}}">Unsubscribe</a></p></body></html>\n'
open(d + "/news.txt", "w").write(text)
open(d + "/news.html", "w").write(html)
PY
cat >"$BENCH_DIR/campaign/campaign.toml" <<TOML
id = "bench"
name = "Bench news"
from = "Bench News <news@bench.test>"
subject = "News for {{first_name}}"
text_template = "news.txt"
html_template = "news.html"
recipients = "list.csv"
bounce_address = "bounces@bench.test"
list_id = "news.bench.test"

[unsubscribe]
url = "https://bench.test/u"
mailto = "unsubscribe@bench.test"
[feedback_id]
sender = "bench"
TOML

t0=$EPOCHREALTIME
"$RELAYCTL" campaign send --config "$BENCH_DIR/relayctl.toml" --connections "$CONNECTIONS" \
	"$BENCH_DIR/campaign/campaign.toml" >"$BENCH_DIR/log/send.out" 2>"$BENCH_DIR/log/send.err" ||
	die "campaign send failed: $(tail -n 3 "$BENCH_DIR/log/send.err")"
t_sent=$EPOCHREALTIME
wait_for_sink "$N"
t_done=$EPOCHREALTIME
log "sink counted $(sink_count) messages; $(tail -n 1 "$BENCH_DIR/log/send.out")"
((DKIM == 0)) || check_all_signed "$N"
send_s=$(seconds_between "$t0" "$t_sent")
total_s=$(seconds_between "$t0" "$t_done")
line=$(awk -v n="$N" -v size="$SIZE" -v c="$CONNECTIONS" -v dkim="$DKIM" -v s="$send_s" -v t="$total_s" \
	'BEGIN { printf "peer=campaign dkim=%d n=%d size=%d connections=%d send_s=%.2f total_s=%.2f msgs_per_s=%.0f", dkim, n, size, c, s, t, n / t }')
echo "$line"
rate() { sed -n 's/.*msgs_per_s=\([0-9]*\).*/\1/p' <<<"$1"; }
awk -v c="$(rate "$line")" -v e="$(rate "$e2e_line")" 'BEGIN { printf "ratio campaign/e2e=%.2f (target >= 0.90)\n", c / e }'
