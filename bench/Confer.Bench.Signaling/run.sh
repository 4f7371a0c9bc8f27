#!/bin/sh
# Runs the signaling bench in a network namespace with loopback only, holding the shared bench lock.
# Needs root (unshare -n). Usage: bench/Confer.Bench.Signaling/run.sh [bench arguments], e.g. --participants 15000 --nodes 3
set -e
here=$(cd "$(dirname "$0")" && pwd)
dll="$here/bin/Release/net10.0/Confer.Bench.Signaling.dll"
[ -f "$dll" ] || { echo "build first: dotnet build $here/Confer.Bench.Signaling.csproj -c Release" >&2; exit 2; }
exec flock /tmp/confer-browser.lock unshare -n sh -c '
  ip link set lo up
  ulimit -n 65536 2>/dev/null || true
  echo "uptime before: $(uptime)"
  timeout 1800 dotnet "$0" "$@"; rc=$?
  echo "uptime after: $(uptime)"
  exit $rc' "$dll" "$@"
