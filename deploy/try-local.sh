#!/usr/bin/env bash
# Try the deploy/ example on one machine, on loopback only: a redis-server, three `confer serve --dev` nodes and
# haproxy running haproxy.cfg (rendered with loopback ports, as the tests do). Open https://localhost:8443/ (the
# nodes' self-signed certificates: accept the warning), or point the SDK at wss://localhost:8443.
# Ctrl-C stops everything this script started (by PID). Needs redis-server and haproxy (Debian packages), and a
# built server: dotnet build Confer.slnx -c Release (or CONFER=/path/to/confer).
set -euo pipefail
cd "$(dirname "$0")/.."
confer=${CONFER:-src/Confer.Server/bin/Release/net10.0/confer}
[ -x "$confer" ] || { echo "no $confer: build first (dotnet build Confer.slnx -c Release) or set CONFER" >&2; exit 1; }
for tool in redis-server haproxy; do command -v $tool >/dev/null || { echo "needs $tool (apt install $tool)" >&2; exit 1; }; done

dir=$(mktemp -d /tmp/confer-try-XXXXXX)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

redis_port=16379 balancer_port=8443
secret=try-local-turn-secret-0123456789abcdef0123
redis-server --bind 127.0.0.1 --port $redis_port --dir "$dir" --appendonly yes --save '' --loglevel warning \
  >"$dir/redis.log" 2>&1 &
pids+=($!)

for i in 1 2 3; do
  "$confer" serve --dev --bind 127.0.0.1 --http-port 1808$i --https-port 1844$i --turn-port 1347$i --turn-tls-port 0 \
    --turn-secret $secret --cluster redis://127.0.0.1:$redis_port --cluster-port 1111$i --node-name node$i \
    >"$dir/node$i.log" 2>&1 &
  pids+=($!)
done

# The shipped haproxy.cfg with loopback addresses: the same substitutions as the tests' HaproxyProcess.Render.
sed -e "s|bind :443|bind 127.0.0.1:$balancer_port|" -e "s|/run/haproxy/confer.sock|$dir/haproxy.sock|" \
    -e 's|server node\([123]\) 10\.0\.0\.1[123]:443|server node\1 127.0.0.1:1844\1|' -e '/^\s*\(user\|group\)\s/d' \
    deploy/haproxy.cfg >"$dir/haproxy.cfg"
haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
pids+=($!)

echo "redis 127.0.0.1:$redis_port, nodes https://127.0.0.1:18441..18443 (TURN UDP 13471..13473), logs in $dir"
up=0
for _ in $(seq 1 60); do
  up=0
  for i in 1 2 3; do curl -skf -o /dev/null --max-time 2 https://127.0.0.1:1844$i/readyz && up=$((up + 1)); done
  [ $up = 3 ] && break
  sleep 1
done
sleep 3 # haproxy's checks: rise 2, one a second
echo "haproxy on https://localhost:$balancer_port/: $up of 3 nodes ready; haproxy says /readyz there:" \
  "$(curl -sk --max-time 5 https://127.0.0.1:$balancer_port/readyz || echo nothing)"
echo "Ctrl-C stops everything."
wait "${pids[0]}"
