using System.Text.Json;
using Confer.Browser.Tests.Infrastructure;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Lab;

/// <summary>Who is who on both pages (local and remote sids), the engine's ICE restarts, and each side's selected pair.</summary>
internal sealed record LabSnapshot(string Sids, int Restarts, string Pair);

/// <summary>Two browsers in a call, each inside its own lab network, with video decoding both ways (<see cref="LabRecovery"/>).</summary>
internal sealed class LabCall : IAsyncDisposable
{
    private static readonly TimeSpan MediaTimeout = TimeSpan.FromSeconds(40);
    private readonly List<string> _console = [];
    private ChromiumSession? _browserA, _browserB;

    public IPage A { get; private set; } = null!;
    public IPage B { get; private set; } = null!;
    public string IdA { get; private set; } = "";
    public string IdB { get; private set; } = "";
    public string Console { get { lock (_console) return string.Join('\n', _console.TakeLast(80)); } }

    public static async Task<LabCall> StartAsync(LabFixture lab, string nameA, NatHome a, string nameB, NatHome b, string room)
    {
        var call = new LabCall();
        try
        {
            var launchA = lab.LaunchBrowserAsync(a);
            var launchB = lab.LaunchBrowserAsync(b);
            call._browserA = await launchA;
            call._browserB = await launchB;
            (call.A, call.IdA) = await LabFixture.JoinAsync(call._browserA, LabFixture.Origin, room, $"{nameA}-a", call._console);
            (call.B, call.IdB) = await LabFixture.JoinAsync(call._browserB, LabFixture.Origin, room, $"{nameB}-b", call._console);
            await MeetingHarness.WaitForVideoFromAsync(call.A, MediaTimeout, call.IdB);
            await MeetingHarness.WaitForVideoFromAsync(call.B, MediaTimeout, call.IdA);
            await Task.Delay(1000); // flowing, not just started
            foreach (var page in (IPage[])[call.A, call.B]) await page.EvaluateAsync(Timeline);
            return call;
        }
        catch (Exception e) when (e is PlaywrightException or Xunit.Sdk.XunitException)
        {
            string console = call.Console;
            await call.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"the call did not start: {e.Message}\n--- browser ---\n{console}\n--- server ---\n{lab.ServerOutput}");
        }
    }

    /// <summary>Writes a step of the test into both pages' timelines.</summary>
    public async Task MarkAsync(string what)
    {
        foreach (var page in (IPage[])[A, B])
            await page.EvaluateAsync("(w) => window.__timeline.push(`+${Math.round(performance.now() - window.__timelineStart)}ms [${w}]`)", what);
    }

    /// <summary>What each page's SDK went through, as "+ms state" steps since the timeline started.</summary>
    public async Task<string> TimelinesAsync() =>
        $"A: {await A.EvaluateAsync<string>("() => window.__timeline.join(' ')")}\nB: {await B.EvaluateAsync<string>("() => window.__timeline.join(' ')")}";

    /// <summary>
    /// Records every change of the room's state and of each peer connection's ICE, connection and signaling state (a mesh
    /// engine describes one connection per participant; the SFU engine its publisher and subscriber connections).
    /// </summary>
    private const string Timeline = """
        () => {
          const start = window.__timelineStart = performance.now();
          window.__timeline = [];
          let last = '';
          setInterval(() => {
            const room = window.__peer.room;
            const engine = room._describeEngine?.() ?? {};
            const now = `room=${room.state} ` + Object.entries(engine).filter(([, p]) => p && typeof p === 'object' && 'ice' in p)
              .map(([k, p]) => `${k.startsWith('PA_') ? '' : k + ':'}ice=${p.ice} pc=${p.pc} sig=${p.sig} restarts=${p.restarts ?? engine.iceRestarts}`).join(' ');
            if (now !== last && window.__timeline.length < 200) window.__timeline.push(`+${Math.round(performance.now() - start)}ms ${now};`);
            last = now;
          }, 50);
        }
        """;

    public async Task<LabSnapshot> SnapshotAsync()
    {
        var a = await ReadAsync(A);
        var b = await ReadAsync(B);
        return new LabSnapshot($"{a.GetProperty("sids").GetString()} | {b.GetProperty("sids").GetString()}",
            a.GetProperty("restarts").GetInt32() + b.GetProperty("restarts").GetInt32(),
            $"{a.GetProperty("pair").GetString()} | {b.GetProperty("pair").GetString()}");
    }

    private static Task<JsonElement> ReadAsync(IPage page) => page.EvaluateAsync<JsonElement>("""
        async () => {
          const room = window.__peer.room;
          const engine = room._describeEngine?.() ?? {};
          let restarts = engine.iceRestarts ?? 0; // the SFU engine counts its restarts once for both connections
          for (const p of Object.values(engine)) restarts += p?.restarts ?? 0;
          let pair = '';
          for (const p of room.remoteParticipants.values()) {
            const report = await p.getStats();
            const byId = new Map();
            report?.forEach((s) => byId.set(s.id, s));
            for (const s of byId.values()) {
              if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
              const sel = byId.get(s.selectedCandidatePairId);
              const l = byId.get(sel?.localCandidateId), r = byId.get(sel?.remoteCandidateId);
              pair += `${l?.candidateType}:${l?.address}:${l?.port}->${r?.candidateType}:${r?.address}:${r?.port}`;
            }
          }
          const sids = [room.localParticipant.sid, ...[...room.remoteParticipants.values()].map((p) => p.sid).sort()].join(',');
          return { sids, restarts, pair: pair || 'none' };
        }
        """);

    public async ValueTask DisposeAsync()
    {
        if (_browserA is not null) await _browserA.DisposeAsync();
        if (_browserB is not null) await _browserB.DisposeAsync();
        (_browserA, _browserB) = (null, null);
    }
}
