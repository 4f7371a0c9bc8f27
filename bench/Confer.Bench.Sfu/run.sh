#!/bin/sh
# Runs the SFU bench in a network namespace of its own: loopback plus a veth pair with a test address (198.18.0.0/15,
# RFC 2544), because Janus (libnice) gathers no candidate on loopback alone; nothing can leave the namespace. Needs root (unshare -n); holds the shared bench lock while it runs.
# Usage: bench/Confer.Bench.Sfu/run.sh [bench arguments]
set -e
here=$(cd "$(dirname "$0")" && pwd)
dll="$here/bin/Release/net10.0/Confer.Bench.Sfu.dll"
[ -f "$dll" ] || { echo "build first: dotnet build $here/Confer.Bench.Sfu.csproj -c Release" >&2; exit 2; }
# Socket continuations on the epoll thread (no thread-pool hop per packet): the client costs about as much CPU as Confer.
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
exec flock /tmp/confer-browser.lock unshare -n sh -c '
  ip link set lo up
  ip link add bench0 type veth peer name bench1
  ip addr add 198.18.0.1/24 dev bench0
  ip link set bench0 up
  ip link set bench1 up
  exec timeout 900 dotnet "$0" "$@"' "$dll" "$@"
