#!/usr/bin/env bash
# inbound.sh — what the cloaking inbound side of `relayctl serve` costs: a public MX that takes mail for a
# relay domain with a recipient list, greylisting (triplet already passed), SPF/DKIM/DMARC, clamd and
# rspamd before the 250, and forwards it to the customer's backend (here smtp-sink). docs/benchmarks.md
# has the figures. Everything it starts is private and on 127.0.0.1:
#   nsd      serves sender.bench.test (SPF ip4:127.0.0.1, DMARC p=none), so the authentication lookups
#            are answered at once rather than timing out
#   clamd    with a signature database built here (EICAR via sigtool, as scripts/demo)
#   rspamd   the hermetic configuration of scripts/demo (network checks off); its hyperscan cache is kept
#            in HS_CACHE between runs (the first start compiles the rules, about 15 s)
#   smtp-sink the backend, counting messages (-c)
# Measurements, printed one per line on stdout (progress on stderr):
#   latency scan=1|0   LAT_N sequential single messages (python smtplib, one connection each):
#                      connect -> 250 after DATA, and connect -> the backend has counted it (median, p90,
#                      max), with both scanners and greylisting on, then with no [inbound.rspamd]/[inbound.clamd]
#                      and greylist = false for the domain (the same relayctl otherwise)
#   throughput scan=1|0 smtp-source -s SESSIONS -m N -F message: N / (start -> last 250) and N / (start ->
#                      the backend has all N); CPU ms per message of relayctl serve and of rspamd + clamd
#   (before these, with scan=1, GTUBE and an EICAR attachment must be refused: the scanners are in the path)
#   ceiling            the scanners alone on the same message, SESSIONS parallel clients, N requests:
#                      rspamd /checkv2, clamd zINSTREAM, and both one after the other (what relayctl asks
#                      of them per message); ratio relayctl(scan=1)/ceiling(both)
#   perf (PERF=1)      a second scan=1 throughput run under `perf record -g -p <serve>`; the top symbols
#                      (self and children) are written to BENCH_DIR/perf-*.txt
# Environment: N [2000] SESSIONS [20] SIZE [10240: approximate message bytes] LAT_N [50] PERF [1]
#   DRAIN [0: the domain's drain_rate, 0 = no limit; the default of relayctl, 50/s, caps the backend rate]
#   PEER [0: 1 also runs ../shared/bench/peer-postfix.sh DKIM=0 with the same N, SESSIONS, SIZE]
#   RELAYCTL [build/cli/relayctl] BENCH_DIR [/tmp/relayctl-inbound-bench, wiped] HS_CACHE [/tmp/relayctl-bench-hs-cache]
# Needs root (smtp-sink -u nobody), smtp-source/smtp-sink (postfix), clamd, sigtool, rspamd, nsd, python3,
# curl, perf for PERF=1. Loopback only. Stops what it started, by PID, on exit.
set -euo pipefail
export LC_ALL=C

N=${N:-2000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-10240}
LAT_N=${LAT_N:-50}
DRAIN=${DRAIN:-0}
PERF=${PERF:-1}
PEER=${PEER:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
RELAYCTL=${RELAYCTL:-$root/build/cli/relayctl}
BENCH_DIR=${BENCH_DIR:-/tmp/relayctl-inbound-bench}
HS_CACHE=${HS_CACHE:-/tmp/relayctl-bench-hs-cache}
STALL_S=${STALL_S:-60}

log() { printf '[inbound] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[[ $EUID -eq 0 ]] || die "run as root (smtp-sink -u nobody)"
[[ -x $RELAYCTL ]] || die "no relayctl at $RELAYCTL; build it or set RELAYCTL"
for tool in smtp-source smtp-sink clamd sigtool rspamd nsd python3 curl; do
	command -v "$tool" >/dev/null || die "$tool missing: scripts/install-deps"
done

PIDS=()
SERVE_PID=
cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	[[ -n $SERVE_PID ]] && kill "$SERVE_PID" 2>/dev/null
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	[[ -n ${RSPAMD_PID:-} ]] && kill -TERM -- "-$RSPAMD_PID" 2>/dev/null
	for pid in "${PIDS[@]}" $SERVE_PID; do wait "$pid" 2>/dev/null || true; done
	((rc == 0)) || log "failed (exit $rc); logs in $BENCH_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # PORT PID WHAT
	local i
	for ((i = 0; i < 400; i++)); do
		kill -0 "$2" 2>/dev/null || die "$3 exited at start; see $BENCH_DIR"
		port_open "$1" && return 0
		sleep 0.05
	done
	die "$3 is not listening on 127.0.0.1:$1"
}

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"/{nsd,clamd/db,clamd/tmp,rspamd/override.d,rspamd/local.d,rspamd/db,rspamd/run,rspamd/log,sink,log} "$HS_CACHE"
chmod 755 "$BENCH_DIR"
chown nobody "$BENCH_DIR/sink"
W=$BENCH_DIR
DNS_PORT=$(free_port) RSPAMD_PORT=$(free_port) SINK_PORT=$(free_port) MX_PORT=$(free_port)

# --- nsd: the sender's domain, so SPF and DMARC are answered (pass / none) rather than timing out ---------
cat >"$W/nsd/sender.bench.test.zone" <<'ZONE'
$ORIGIN sender.bench.test.
$TTL 300
@ SOA ns hostmaster 1 3600 900 604800 60
@ NS ns
@ TXT "v=spf1 ip4:127.0.0.0/8 -all"
_dmarc TXT "v=DMARC1; p=none"
ZONE
cat >"$W/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$DNS_PORT
  port: $DNS_PORT
  username: ""
  chroot: ""
  database: ""
  zonesdir: "$W/nsd"
  zonelistfile: "$W/nsd/zone.list"
  xfrdfile: "$W/nsd/xfrd.state"
  xfrdir: "$W/nsd"
  pidfile: "$W/nsd/nsd.pid"
  logfile: "$W/nsd/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: "sender.bench.test"
  zonefile: "$W/nsd/sender.bench.test.zone"
CONF
nsd -d -c "$W/nsd/nsd.conf" >"$W/log/nsd.out" 2>&1 &
PIDS+=("$!")

# --- clamd with an EICAR-only database (as scripts/demo) ---------------------------------------------------
# shellcheck disable=SC2016 # the EICAR string, literally
python3 -c 'import sys; sys.stdout.write(r"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + r"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")' >"$W/eicar.com"
sigtool --md5 "$W/eicar.com" | sed 's/:eicar.com$/:Eicar-Test-Signature/' >"$W/clamd/db/bench.hdb"
printf 'Foreground yes\nDatabaseDirectory %s/clamd/db\nLocalSocket %s/clamd/clamd.sock\nPidFile %s/clamd/clamd.pid\nLogFile %s/clamd/clamd.log\nTemporaryDirectory %s/clamd/tmp\nSelfCheck 0\n' \
	"$W" "$W" "$W" "$W" "$W" >"$W/clamd/clamd.conf"
clamd -c "$W/clamd/clamd.conf" >"$W/log/clamd.out" 2>&1 &
CLAMD_PID=$!
PIDS+=("$CLAMD_PID")

# --- rspamd, hermetic (as scripts/demo) -------------------------------------------------------------------
printf 'bind_socket = "127.0.0.1:%s"; count = 1;\n' "$RSPAMD_PORT" >"$W/rspamd/override.d/worker-normal.inc"
echo 'enabled = false;' >"$W/rspamd/override.d/worker-controller.inc"
echo 'enabled = false;' >"$W/rspamd/override.d/worker-proxy.inc"
printf 'type = "file"; filename = "%s/rspamd/log/rspamd.log"; level = "error";\n' "$W" >"$W/rspamd/override.d/logging.inc"
printf 'dns { nameserver = ["127.0.0.1:9"]; timeout = 0.2s; retransmits = 1; }\nhs_cache_dir = "%s";\n' "$HS_CACHE" >"$W/rspamd/local.d/options.inc"
for m in rbl surbl hfilter spf dkim dmarc arc asn fuzzy_check emails phishing whitelist dkim_signing mx_check greylist \
	ratelimit replies neural reputation url_redirector history_redis dcc p0f external_services antivirus mid; do
	echo 'enabled = false;' >"$W/rspamd/local.d/$m.conf"
done
setsid rspamd -f -i -c /etc/rspamd/rspamd.conf --var="LOCAL_CONFDIR=$W/rspamd" --var="DBDIR=$W/rspamd/db" \
	--var="RUNDIR=$W/rspamd/run" --var="LOGDIR=$W/rspamd/log" >"$W/log/rspamd.out" 2>&1 &
RSPAMD_PID=$!
PIDS+=("$RSPAMD_PID")

# --- the backend: smtp-sink, counting ---------------------------------------------------------------------
smtp-sink -u nobody -c "127.0.0.1:$SINK_PORT" 1024 >"$W/sink/count.out" 2>"$W/log/sink.err" &
SINK_PID=$!
PIDS+=("$SINK_PID")
wait_port "$SINK_PORT" "$SINK_PID" smtp-sink

log "waiting for rspamd and clamd (rspamd's first start compiles its rules, about 15 s)"
for ((i = 0; i < 1200; i++)); do
	curl -s "http://127.0.0.1:$RSPAMD_PORT/ping" | grep -q pong && [[ -S $W/clamd/clamd.sock ]] && break
	sleep 0.1
done
curl -s "http://127.0.0.1:$RSPAMD_PORT/ping" | grep -q pong || die "rspamd did not start; see $W/rspamd/log"
[[ -S $W/clamd/clamd.sock ]] || die "clamd did not start; see $W/clamd/clamd.log"

# --- the message: a realistic SIZE-byte newsletter-like mail, multipart text + HTML -----------------------
python3 - "$W/message.eml" "$SIZE" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
words = ("order shipment invoice meeting quarterly report customer account update please review the "
         "attached summary regarding next week schedule thanks regards team project budget").split()
def para(seed, n):
    return " ".join(words[(seed * 7 + i * 3) % len(words)] for i in range(n)).capitalize() + "."
head = ("From: Alice Sender <alice@sender.bench.test>\nTo: Anna <anna@shop.bench.test>\n"
        "Subject: Quarterly report and next steps\nDate: Sun, 06 Dec 2026 12:00:00 +0000\n"
        "Message-ID: <bench-1@sender.bench.test>\nMIME-Version: 1.0\n"
        "Content-Type: multipart/alternative; boundary=\"b1\"\n\n")
text, html, i = [], [], 0
while len(head) + sum(len(x) + 1 for x in text) * 2 + 400 < size:
    p = para(i, 12)
    text.append(p if len(p) < 76 else p[:70] + "\n" + p[70:])
    i += 1
html = ["<p>" + t.replace("\n", " ") + "</p>" for t in text]
body = ("--b1\nContent-Type: text/plain; charset=utf-8\n\n" + "\n\n".join(text) +
        "\n\n--b1\nContent-Type: text/html; charset=utf-8\n\n<html><body>\n" + "\n".join(html) +
        "\n</body></html>\n--b1--\n")
open(path, "w").write(head + body)
PY
MSG_BYTES=$(wc -c <"$W/message.eml")
log "message: $MSG_BYTES bytes"

# --- relayctl serve ---------------------------------------------------------------------------------------
write_config() { # SCAN(1|0) -> $W/cloak-SCAN.toml
	local scan=$1 scanners="" spam="" grey=""
	if ((scan)); then
		scanners=$(printf '[inbound.rspamd]\naddress = "127.0.0.1:%s"\n[inbound.clamd]\naddress = "unix:%s/clamd/clamd.sock"\n' "$RSPAMD_PORT" "$W")
		spam=$'[inbound.domain.spam]\nenabled = true'
	else
		grey="greylist = false"
	fi
	cat >"$W/cloak-$scan.toml" <<TOML
[server]
hostname = "mx.bench.test"
trusted_networks = []   # every client is a stranger from the internet, even on loopback
[server.limits]
max_connections = 1000
max_connections_per_ip = 1000
[[server.listener]]
address = "127.0.0.1"
port = $MX_PORT
kind = "inbound"
[spool]
directory = "$W/spool-$scan"
[campaigns]
database = "$W/campaigns-$scan.db"
[admin]
metrics_listen = ""
[dns]
nameservers = ["127.0.0.1:$DNS_PORT"]
[delivery]
accounting_log = "$W/log/delivery-$scan.log"
[inbound]
database = "$W/inbound-$scan.db"
[inbound.limits]
exempt = ["127.0.0.0/8"]   # one client sends everything here; the limiter still counts it
[inbound.greylist]
delay = "1s"
auto_whitelist_after = 0   # every message looks its triplet up
$scanners
[[inbound.domain]]
name = "shop.bench.test"
recipients = "list"
drain_rate = $DRAIN
$grey
[[inbound.domain.backend]]
host = "127.0.0.1:$SINK_PORT"
$spam
TOML
	printf 'anna@shop.bench.test\nsales@shop.bench.test\n' >"$W/users.txt"
	"$RELAYCTL" recipients import "$W/users.txt" --domain shop.bench.test --config "$W/cloak-$scan.toml" >"$W/log/import-$scan.out"
}

start_serve() { # SCAN
	"$RELAYCTL" --log-level warn serve --config "$W/cloak-$1.toml" 2>"$W/log/serve-$1.log" &
	SERVE_PID=$!
	wait_port "$MX_PORT" "$SERVE_PID" "relayctl serve"
}
stop_serve() {
	kill "$SERVE_PID"
	wait "$SERVE_PID" || die "relayctl serve did not exit cleanly"
	SERVE_PID=
}

sink_count() {
	local c
	c=$(tr '\r' '\n' <"$W/sink/count.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1)
	echo "${c:-0}"
}
wait_for_sink() { # TARGET
	local last=-1 still=0 got
	while :; do
		got=$(sink_count)
		((got >= $1)) && break
		if ((got == last)); then
			still=$((still + 1))
			((still < STALL_S * 100)) || die "the backend stalled at $got of $1 messages"
		else
			still=0 last=$got
		fi
		sleep 0.01
	done
}

# One message by python smtplib; prints the last reply code. Used to pass the greylist.
send_one() {
	python3 - "$MX_PORT" "$W/message.eml" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.sender.bench.test")
try:
    s.sendmail("alice@sender.bench.test", ["anna@shop.bench.test"], open(sys.argv[2], "rb").read().replace(b"\n", b"\r\n"))
    print(250)
except smtplib.SMTPRecipientsRefused as e:
    print(list(e.recipients.values())[0][0])
except smtplib.SMTPResponseException as e:
    print(e.smtp_code)
s.quit()
PY
}

latency() { # SCAN: LAT_N sequential messages, connect -> 250 and connect -> backend count
	python3 - "$MX_PORT" "$W/message.eml" "$W/sink/count.out" "$LAT_N" "$1" <<'PY'
import re, smtplib, sys, time
port, msg, count_file, n, scan = int(sys.argv[1]), open(sys.argv[2], "rb").read().replace(b"\n", b"\r\n"), sys.argv[3], int(sys.argv[4]), sys.argv[5]
def count():
    found = re.findall(rb"mesg=(\d+)", open(count_file, "rb").read()[-200:])
    return int(found[-1]) if found else 0
accept, backend = [], []
for i in range(n):
    before = count()
    t0 = time.perf_counter()
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.sender.bench.test")
    s.sendmail("alice@sender.bench.test", ["anna@shop.bench.test"], msg)
    t1 = time.perf_counter()
    while count() <= before:
        if time.perf_counter() - t0 > 30: sys.exit("the backend never counted message %d" % i)
        time.sleep(0.0005)
    t2 = time.perf_counter()
    s.quit()
    accept.append((t1 - t0) * 1000); backend.append((t2 - t0) * 1000)
    time.sleep(0.05)
def stats(v):
    v = sorted(v); return "median=%.1f p90=%.1f max=%.1f" % (v[len(v) // 2], v[int(len(v) * 0.9)], v[-1])
print("latency scan=%s n=%d connect_to_250_ms %s | connect_to_backend_ms %s" % (scan, n, stats(accept), stats(backend)))
PY
}

cpu_ticks() { # PID...: user + system clock ticks of these processes so far
	local pid sum=0 t
	for pid in "$@"; do
		t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || t=0
		sum=$((sum + ${t:-0}))
	done
	echo "$sum"
}
serve_cpu_ticks() { cpu_ticks "$SERVE_PID"; }
scanner_cpu_ticks() { # rspamd (its whole process group: main and worker) and clamd
	# shellcheck disable=SC2046
	cpu_ticks $(pgrep -g "$RSPAMD_PID") "$CLAMD_PID"
}

throughput() { # SCAN TAG
	local before t0 t1 t2 cpu0 cpu1 scpu0 scpu1
	before=$(sink_count)
	cpu0=$(serve_cpu_ticks)
	scpu0=$(scanner_cpu_ticks)
	t0=$EPOCHREALTIME
	smtp-source -4 -c -s "$SESSIONS" -m "$N" -F "$W/message.eml" -M client.sender.bench.test \
		-f alice@sender.bench.test -t anna@shop.bench.test "127.0.0.1:$MX_PORT" >"$W/log/source-$2.out" 2>"$W/log/source-$2.err" ||
		die "smtp-source failed: $(tail -n 3 "$W/log/source-$2.err")"
	t1=$EPOCHREALTIME
	wait_for_sink $((before + N))
	t2=$EPOCHREALTIME
	cpu1=$(serve_cpu_ticks)
	scpu1=$(scanner_cpu_ticks)
	awk -v n="$N" -v s="$SESSIONS" -v scan="$1" -v tag="$2" -v a="$t0" -v b="$t1" -v c="$t2" -v bytes="$MSG_BYTES" \
		-v cpu="$(((cpu1 - cpu0) * 1000 / $(getconf CLK_TCK)))" -v scpu="$(((scpu1 - scpu0) * 1000 / $(getconf CLK_TCK)))" \
		'BEGIN { printf "throughput scan=%s run=%s n=%d sessions=%d bytes=%d accept_s=%.2f accept_msgs_per_s=%.0f backend_s=%.2f backend_msgs_per_s=%.0f serve_cpu_ms_per_msg=%.2f scanners_cpu_ms_per_msg=%.2f load=", scan, tag, n, s, bytes, b - a, n / (b - a), c - a, n / (c - a), cpu / n, scpu / n }'
	cut -d' ' -f1-3 /proc/loadavg
}

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- scanning on: greylist passed, then latency, throughput, perf -----------------------------------------
write_config 1
start_serve 1
code=$(send_one)
[[ $code == 451 ]] || die "the first attempt should be greylisted (451), got $code"
sleep 2
code=$(send_one)
[[ $code == 250 ]] || die "the retry after the greylist delay should pass (250), got $code; see $W/log/serve-1.log"
wait_for_sink 1
# The scanners are really in the path: GTUBE and an EICAR attachment are refused before the 250.
if command -v swaks >/dev/null; then
	mx=(--server "127.0.0.1:$MX_PORT" --from alice@sender.bench.test --to anna@shop.bench.test --helo client.sender.bench.test)
	swaks "${mx[@]}" --body 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X' >"$W/log/gtube.out" 2>&1 || true
	grep -q '<\*\* *5[0-9][0-9]' "$W/log/gtube.out" || die "GTUBE was not refused; see $W/log/gtube.out"
	swaks "${mx[@]}" --attach "@$W/eicar.com" >"$W/log/eicar.out" 2>&1 || true
	grep -q '<\*\* *5[0-9][0-9]' "$W/log/eicar.out" || die "EICAR was not refused; see $W/log/eicar.out"
	log "GTUBE: $(grep -m1 '<\*\*' "$W/log/gtube.out"); EICAR: $(grep -m1 '<\*\*' "$W/log/eicar.out")"
fi
log "greylist passed; latency with both scanners"
latency 1
log "throughput with both scanners (N=$N, $SESSIONS sessions), load $(cut -d' ' -f1-3 /proc/loadavg)"
throughput 1 a
if ((PERF)) && command -v perf >/dev/null; then
	log "throughput again under perf record -g (load $(cut -d' ' -f1-3 /proc/loadavg))"
	perf record -g -F 499 -o "$W/perf.data" -p "$SERVE_PID" >"$W/log/perf.out" 2>&1 &
	PERF_PID=$!
	sleep 0.5
	throughput 1 perf
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
	perf report -i "$W/perf.data" --no-children --percent-limit 0.4 --stdio -g none 2>/dev/null | grep -v '^[#]*$' | cut -c1-160 | sed 's/ *$//' | head -60 >"$W/perf-self.txt" || true
	perf report -i "$W/perf.data" --children --percent-limit 3 --stdio -g none 2>/dev/null | grep -v '^[#]*$' | cut -c1-160 | sed 's/ *$//' | head -60 >"$W/perf-children.txt" || true
	perf report -i "$W/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^[#]*$' | cut -c1-160 | sed 's/ *$//' | head -25 >"$W/perf-dso.txt" || true
	log "perf reports: $W/perf-self.txt perf-children.txt perf-dso.txt"
fi
if grep -q -i error "$W/log/serve-1.log"; then log "serve log has errors: $(grep -i -m3 error "$W/log/serve-1.log")"; fi
stop_serve

# --- scanning off, greylisting off ------------------------------------------------------------------------
write_config 0
start_serve 0
log "latency without scanners or greylisting"
latency 0
log "throughput without scanners or greylisting, load $(cut -d' ' -f1-3 /proc/loadavg)"
throughput 0 a
stop_serve

# --- the ceiling: the scanners alone, same message, same parallelism --------------------------------------
log "ceiling: rspamd and clamd alone, $SESSIONS parallel clients, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$RSPAMD_PORT" "$W/clamd/clamd.sock" "$W/message.eml" "$N" "$SESSIONS" <<'PY'
import http.client, socket, struct, sys, threading, time
port, sock_path, msg, n, sessions = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read().replace(b"\n", b"\r\n"), int(sys.argv[4]), int(sys.argv[5])
def rspamd():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/checkv2", body=msg, headers={"IP": "127.0.0.1", "From": "alice@sender.bench.test", "Rcpt": "anna@shop.bench.test", "Helo": "client.sender.bench.test"})
    r = c.getresponse(); body = r.read(); c.close()
    if r.status != 200 or b'"score"' not in body: raise SystemExit("rspamd: %d %r" % (r.status, body[:200]))
def clamd():
    s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(sock_path)
    s.sendall(b"zINSTREAM\0" + struct.pack(">I", len(msg)) + msg + struct.pack(">I", 0))
    reply = b""
    while not reply.endswith(b"\0"):
        chunk = s.recv(4096)
        if not chunk: break
        reply += chunk
    s.close()
    if not reply.startswith(b"stream: OK"): raise SystemExit("clamd: %r" % reply)
def both():
    clamd(); rspamd()
def run(name, fn):
    left = [n]; lock = threading.Lock()
    def worker():
        while True:
            with lock:
                if left[0] == 0: return
                left[0] -= 1
            fn()
    threads = [threading.Thread(target=worker) for _ in range(sessions)]
    t0 = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    t = time.perf_counter() - t0
    print("ceiling %s n=%d sessions=%d s=%.2f per_s=%.0f" % (name, n, sessions, t, n / t), flush=True)
for name, fn in (("rspamd", rspamd), ("clamd", clamd), ("both", both)):
    run(name, fn)
PY

if ((PEER)); then
	peer=$root/../shared/bench/peer-postfix.sh
	[[ -x $peer ]] || peer=/work/shared/bench/peer-postfix.sh
	log "Postfix smtpd with no filtering (DKIM=0), same N, SESSIONS, SIZE"
	BENCH_DIR="$W-peer-postfix" DKIM=0 N=$N SIZE=$SIZE SESSIONS=$SESSIONS "$peer" 2>"$W/log/peer-postfix.err" | tail -n 1
fi
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
