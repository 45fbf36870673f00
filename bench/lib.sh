# Shared by the load benchmarks (bench/tls-baseline, bench/exchange-baseline): build, a work
# directory with the demo PKI and keys, starting silta and nginx, running the load generator
# while measuring the servers' CPU, and printing the comparison. Source it; it uses no python.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

# SILTA=/path/to/silta measures another build of the gateway (A/B runs of one change: bench/ab).
silta="${SILTA:-$root/build/release/gateway/silta}"
if [ -z "${SILTA:-}" ]; then
  scripts/install-deps >/dev/null
  cmake --preset release >/dev/null
  cmake --build --preset release --target silta silta-loadgen >/dev/null
fi
loadgen="$root/build/release/bench/silta-loadgen"

work="$(mktemp -d /tmp/silta-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
certs-example/make-certs "$work/certs" >/dev/null
"$silta" keygen --dir "$work/keys" --name silta-bench >/dev/null 2>&1

# A free TCP port on loopback (nothing answers on it).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
json_field() { sed -E "s/.*\"$2\":([0-9.]+).*/\1/" <<<"$1"; }

# start_silta NAME CONFIG_JSON: runs `silta serve`, sets port_NAME and pid_NAME.
start_silta() {
  local name=$1
  printf '%s\n' "$2" >"$work/$name.json"
  "$silta" serve --config "$work/$name.json" --ready-file "$work/$name.ready" 2>"$work/$name.log" &
  pids+=($!)
  for _ in $(seq 1 200); do [ -f "$work/$name.ready" ] && break; sleep 0.05; done
  [ -f "$work/$name.ready" ] || { cat "$work/$name.log"; exit 1; }
  printf -v "port_$name" '%s' "$(json_field "$(cat "$work/$name.ready")" port)"
  printf -v "pid_$name" '%s' "$(json_field "$(cat "$work/$name.ready")" pid)"
}

# The gateway config every benchmark starts from (access log on, as in production). The load
# generator is one address, so the per-address cap on unauthenticated connections is raised.
silta_base_config() {
  cat <<JSON
{
  "listen": {"address": "127.0.0.1", "port": 0},
  "admin": {"address": "127.0.0.1", "port": 0},
  "tls": {"certificate": "certs/gateway.pem", "private_key": "certs/gateway.key",
          "client_ca": "certs/root-ca.pem", "crl": "certs/crl.pem"},
  "registry": "certs/registry.json",
  "data_dir": "data",
  "catalog": "$root/policy/catalogs/fi",
  "audit": {"dir": "data/audit", "signing_key": "keys/audit-signing.key",
            "pseudonym_key": "keys/pseudonym.key"},
  "limits": {"max_connections_per_address": 2000},
  "adapters": {$1}
}
JSON
}

# start_nginx HTTP_BLOCK_BODY: nginx with the gateway's certificate, mTLS against the same CA
# and CRLs, TLS 1.3, access log on; the caller gives the server's locations. Sets port_nginx.
start_nginx() {
  port_nginx=$(free_port)
  mkdir -p "$work/nginx/logs"
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  cat >"$work/nginx/nginx.conf" <<CONF
$user_line
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  $1
  server {
    listen 127.0.0.1:$port_nginx ssl;
    ssl_protocols TLSv1.3;
    ssl_certificate $work/certs/gateway.pem;
    ssl_certificate_key $work/certs/gateway.key;
    ssl_client_certificate $work/certs/root-ca.pem;
    ssl_crl $work/certs/crl.pem;
    ssl_verify_client on;
    ssl_verify_depth 3;
    $2
  }
}
CONF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx/logs/stderr.log" &
  pids+=($!)
  pid_nginx=$!
  wait_port "$port_nginx" || { cat "$work/nginx/logs/"*; exit 1; }
}

# CPU time (user + system, clock ticks) used so far by the given processes.
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }

# "name ticks" for each thread of a process, numbers cut from the names (silta-io-1 → silta-io).
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    echo "$(sed -E 's/-?[0-9]+$//' "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done | awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }' | sort
}

# load LABEL PORT "PIDS" LOADGEN_ARGS...: runs the load and prints one result line:
# label (one word), req/s, p50 µs, p99 µs, server CPU µs per request (warm-up included on both sides).
# THREADS=1 also prints, on stderr, each thread group's share of the first process's CPU.
load() {
  local label=$1 port=$2 procs=$3
  shift 3
  local before after out first=${procs%% *} threads_before=""
  [ -n "${THREADS:-}" ] && threads_before=$(thread_ticks "$first")
  before=$(cpu_ticks $procs)
  out=$("$loadgen" --port "$port" --ca "$work/certs/root-ca.pem" "$@" -t 2 --warmup 2)
  after=$(cpu_ticks $procs)
  if [ -n "$threads_before" ]; then
    join <(echo "$threads_before") <(thread_ticks "$first") |
      awk -v l="$label" '{ d[$1] = $3 - $2; t += $3 - $2 }
        END { printf "%s threads:", l; for (n in d) if (d[n] > 0) printf " %s %.0f%%", n, 100 * d[n] / t; print "" }' >&2
  fi
  local done_all rps p50 p99 errors non2xx
  done_all=$(json_field "$out" completed_with_warmup)
  rps=$(json_field "$out" rps); p50=$(json_field "$out" p50_us); p99=$(json_field "$out" p99_us)
  errors=$(json_field "$out" errors); non2xx=$(json_field "$out" non_2xx)
  awk -v l="$label" -v r="$rps" -v a="$p50" -v b="$p99" -v t=$((after - before)) \
    -v hz="$(getconf CLK_TCK)" -v n="$done_all" -v e="$errors" -v x="$non2xx" \
    'BEGIN { printf "%-22s %10.0f %10d %10d %14.1f   errors %d, non-2xx %d\n", l, r, a, b, t / hz * 1e6 / (n > 0 ? n : 1), e, x }'
}

header() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
  echo "load: $1"
  printf '%-22s %10s %10s %10s %14s\n' "" "req/s" "p50 µs" "p99 µs" "CPU µs/req"
}

# ratio LINE_A LINE_B REQS_GOAL P99_GOAL: A against B, req/s and p99, beside the goals.
ratio() {
  awk -v a="$1" -v b="$2" -v g="$3" -v h="$4" 'BEGIN { split(a, x); split(b, y);
    printf "ratio: req/s %.2fx (goal >= %s), p99 %.2fx (goal <= %s), CPU/req %.2fx\n", x[2] / y[2], g, x[4] / y[4], h, x[5] / y[5] }'
}

# rss_mib PID: the process's resident set now, in MiB.
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
