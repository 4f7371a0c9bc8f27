#!/usr/bin/env bash
# Runs every Confer test. Installs the system packages the tests drive (coturn's tools, Chromium, redis-server for the cluster,
# iproute2/nftables for namespaces, NSS tools for trusting a test certificate) when they are missing.
# Ends with one line: "tests: N passed, N failed", summed from the test runs' TRX results.
set -uo pipefail
cd "$(dirname "$0")"

missing=()
command -v turnserver >/dev/null || missing+=(coturn)
command -v chromium >/dev/null || missing+=(chromium)
command -v ip >/dev/null || missing+=(iproute2)
command -v unshare >/dev/null || missing+=(util-linux)
command -v nft >/dev/null || missing+=(nftables)
command -v certutil >/dev/null || missing+=(libnss3-tools)
command -v openssl >/dev/null || missing+=(openssl)
command -v pebble >/dev/null || missing+=(pebble)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
command -v gst-launch-1.0 >/dev/null || missing+=(gstreamer1.0-tools)
/usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstWebRTC", "1.0"); from gi.repository import Gst, GstWebRTC' 2>/dev/null \
  || missing+=(python3-gi python3-gst-1.0 gir1.2-gst-plugins-bad-1.0)
for plugin in webrtcbin:gstreamer1.0-plugins-bad nicesrc:gstreamer1.0-nice vp8enc:gstreamer1.0-plugins-good opusenc:gstreamer1.0-plugins-base; do
  gst-inspect-1.0 "${plugin%%:*}" >/dev/null 2>&1 || missing+=("${plugin##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "test.sh: could not install ${missing[*]}"; echo "tests: 0 passed, 1 failed"; exit 1; }
fi

# LiveKit's server SDK for Node (version pinned by the lock file) checks that Confer's webhooks verify with it.
(cd tests/Confer.Server.Tests/Webhooks/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
  || echo "test.sh: npm ci failed in tests/Confer.Server.Tests/Webhooks/node; the LiveKit SDK compatibility test will fail"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! dotnet build Confer.slnx -c Release -nologo -v:q; then
  echo "test.sh: build failed"; echo "tests: 0 passed, 1 failed"; exit 1
fi

# The publish test makes the single-file binary inside a namespace without network: restore its runtime packs now.
dotnet restore src/Confer.Server -r linux-x64 -nologo -v:q -p:_RequiresILLinkPack=true >/dev/null || echo "test.sh: could not restore the linux-x64 runtime packs; the publish test will fail"

results=TestResults
rm -rf "$results"
status=0
run_project() {
  local project=$1; shift
  local name; name=$(basename "$project" .csproj)
  # Inside a fresh network namespace with only loopback: no test can reach any real network, and
  # Chromium has no interface but lo to gather candidates on. Namespaces a test makes itself live inside it.
  unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
    dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@" || return 1
  [ -f "$results/$name.trx" ] || { echo "test.sh: $name produced no results"; return 1; }
}

# The cluster's tests mostly wait (for failure detection, for Redis), so they run beside the small CPU-light
# projects; their output follows when both are done. Then one project at a time: browser and relay tests need
# the machine's two cores to themselves.
beside=tests/Confer.Cluster.Tests/Confer.Cluster.Tests.csproj
light=(tests/Confer.Stun.Tests/Confer.Stun.Tests.csproj tests/Confer.Transport.Tests/Confer.Transport.Tests.csproj
  tests/Confer.Signaling.Tests/Confer.Signaling.Tests.csproj tests/Confer.Sfu.Tests/Confer.Sfu.Tests.csproj)
mkdir -p "$results"
run_project "$beside" "$@" > "$results/beside.log" 2>&1 &
beside_pid=$!
for project in "${light[@]}"; do run_project "$project" "$@" || status=1; done
wait $beside_pid || status=1
cat "$results/beside.log"
for project in tests/*/*.csproj; do
  [[ "$project" == "$beside" || " ${light[*]} " == *" $project "* ]] && continue
  run_project "$project" "$@" || status=1
done

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
done
[ $status -eq 0 ] || [ $failed -gt 0 ] || failed=1
echo "tests: $passed passed, $failed failed"
[ $failed -eq 0 ]
