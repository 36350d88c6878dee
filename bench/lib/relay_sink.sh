# relay_sink.sh — the harness bench/e2e.sh and bench/campaign.sh share (sourced, not run): a counting
# smtp-sink, a `relayctl serve` whose every message goes to it (a relay listener for 127.0.0.0/8, optional
# DKIM signing as the Postfix peer does it, metrics on loopback), and the wait for the sink to count N.
# The caller sets BENCH_DIR, RELAYCTL, PORT, SINK_PORT, STALL_S and DKIM, defines log() and die(), and
# may add TOML to [campaigns] with CAMPAIGNS_TOML and at the end with EXTRA_TOML, and define
# prepare_bench_dir() to put files there (a token secret) before relayctl reads its configuration. Loopback only. Needs root (smtp-sink -u nobody).

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

# Checks the machine, makes BENCH_DIR afresh, starts the sink and relayctl serve.
start_relay_and_sink() {
	[[ $EUID -eq 0 ]] || die "run as root (smtp-sink -u nobody)"
	[[ -x $RELAYCTL ]] || die "$RELAYCTL not found: build first (cmake --build build)"
	command -v smtp-sink >/dev/null || die "smtp-sink missing: scripts/install-deps"
	local port
	for port in "$PORT" "$SINK_PORT"; do ! port_open "$port" || die "127.0.0.1:$port is in use"; done
	rm -rf "$BENCH_DIR"
	mkdir -p "$BENCH_DIR"/{spool,sink,log}
	chmod 755 "$BENCH_DIR"
	chown nobody "$BENCH_DIR/sink"
	if declare -F prepare_bench_dir >/dev/null; then prepare_bench_dir; fi

	# The sink counts messages (smtp-sink -c writes "... mesg=N" as they arrive).
	smtp-sink -u nobody -c "127.0.0.1:$SINK_PORT" 1024 >"$BENCH_DIR/sink/count.out" 2>"$BENCH_DIR/log/sink.err" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	wait_port "$SINK_PORT" "$SINK_PID" smtp-sink

	local unused_dns=$((SINK_PORT + 1000)) # no DNS is needed: everything goes to the static route
	METRICS_PORT=$((SINK_PORT + 1001))
	local dkim_table=""
	if ((DKIM)); then
		mkdir -p "$BENCH_DIR/keys"
		"$RELAYCTL" dkim keygen --domain bench.test --selector s1 --out "$BENCH_DIR/keys" >"$BENCH_DIR/log/keygen.out"
		dkim_table=$(printf '[[dkim.sign]]\nfrom = "*"\ndomain = "bench.test"\nselector = "s1"\nkey = "%s"\n' \
			"$BENCH_DIR/keys/bench.test.s1.pem")
	fi
	cat >"$BENCH_DIR/relayctl.toml" <<TOML
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
${CAMPAIGNS_TOML:-}
[admin]
metrics_listen = "127.0.0.1:$METRICS_PORT"
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
${EXTRA_TOML:-}
TOML
	"$RELAYCTL" config check --config "$BENCH_DIR/relayctl.toml" >/dev/null 2>"$BENCH_DIR/log/config.err" ||
		die "config: $(cat "$BENCH_DIR/log/config.err")"
	"$RELAYCTL" --log-level warn serve --config "$BENCH_DIR/relayctl.toml" 2>"$BENCH_DIR/log/serve.err" &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	wait_port "$PORT" "$SERVE_PID" "relayctl serve"
}

sink_count() { # the last "mesg=N" smtp-sink wrote
	tr '\r' '\n' <"$BENCH_DIR/sink/count.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1
}

wait_for_sink() { # N: returns once the sink has counted N messages; dies when it stalls STALL_S seconds
	local last=-1 still=0 got
	while :; do
		got=$(sink_count)
		got=${got:-0}
		((got >= $1)) && break
		if ((got == last)); then
			still=$((still + 1))
			((still < STALL_S * 50)) || die "the sink stalled at $got of $1 messages"
		else
			still=0 last=$got
		fi
		sleep 0.02
	done
}

metric() { # NAME: its value on relayctl's /metrics
	python3 -c 'import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1]).read().decode().splitlines():
    if line.startswith(sys.argv[2] + " "): print(line.split()[1])' "http://127.0.0.1:$METRICS_PORT/metrics" "$1"
}

# Every message must have been signed, or the figure is not DKIM's.
check_all_signed() { # N
	local signed
	signed=$(metric relayctl_dkim_messages_signed_total)
	log "relayctl signed ${signed:-?} messages"
	((${signed:-0} >= $1)) || die "only ${signed:-0} of $1 messages were DKIM-signed"
}

seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
