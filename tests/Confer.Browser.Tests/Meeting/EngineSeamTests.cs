using System.Text.Json;

namespace Confer.Browser.Tests.Meeting;

/// <summary>
/// The SDK's media-engine seam (client/sdk/engine/MediaEngine.js), in real Chromium against an
/// in-process Confer: a Room given an engine in <c>RoomOptions.engine</c> drives it (start,
/// participants, signals, publications, data, stats, close), and only the Room turns what the
/// engine reports into public state and RoomEvents.
/// </summary>
public sealed class EngineSeamTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>
    /// The SDK's own MeshEngine behind a wrapper that logs every call the Room makes and every
    /// report the engine makes (arguments shown as short strings).
    /// </summary>
    private const string RecordingEngine = """
        async () => {
          const { MeshEngine } = await import('/sdk/engine/MeshEngine.js');
          const inner = new MeshEngine();
          const log = window.__engineLog = [];
          const show = (a) => a === null || a === undefined ? null
            : ['string', 'number', 'boolean'].includes(typeof a) ? a
            : a instanceof MediaStreamTrack ? `track:${a.kind}`
            : 'trackSid' in a ? `media:${a.source}:${a.trackSid}:${a.track?.kind ?? 'none'}`
            : 'localSid' in a ? `init:${a.localSid}:${a.iceServers.length}`
            : 'levels' in a ? `sample:${[...a.stats.keys()].join(',')}`
            : 'type' in a ? `frame:${a.type}:${a.from ?? ''}`
            : 'to' in a ? `to:${a.to}`
            : typeof a;
          const engine = {};
          for (const name of ['start', 'restart', 'resume', 'participantJoined', 'participantLeft', 'signal', 'publicationAdded',
                              'publicationRemoved', 'publicationReplaced', 'publicationMuted', 'sendData', 'getStats', 'describe', 'close']) {
            engine[name] = (...args) => {
              if (name === 'start') {
                const host = args[0];
                const reports = {};
                for (const r of Object.keys(host)) reports[r] = (...a) => { log.push({ kind: 'report', name: r, args: a.map(show) }); return host[r](...a); };
                args = [reports, args[1]];
              }
              if (name !== 'describe') log.push({ kind: 'call', name, args: args.slice(name === 'start' ? 1 : 0).map(show) });
              return inner[name](...args);
            };
          }
          window.__peer.engine = engine;
        }
        """;

    /// <summary>An engine with no media at all: it records what the Room asks and keeps the host, so the test can report through it.</summary>
    private const string FakeEngine = """
        () => {
          const calls = window.__calls = [];
          const fake = window.__fake = { host: null };
          const note = (name, ...args) => calls.push({ kind: 'call', name, args: args.map((a) => a === undefined ? null : a) });
          window.__peer.engine = {
            start(host, init) { fake.host = host; note('start', `init:${init.localSid}:${init.iceServers.length}`); },
            restart(init) { note('restart', init.localSid); },
            resume() { note('resume'); },
            participantJoined(sid, joinedAfterUs) { note('participantJoined', sid, joinedAfterUs); },
            participantLeft(sid) { note('participantLeft', sid); },
            signal(f) { note('signal', `frame:${f.type}:${f.from}`); },
            publicationAdded(m) { note('publicationAdded', `media:${m.source}:${m.trackSid}:${m.track?.kind ?? 'none'}`); },
            publicationRemoved(sid) { note('publicationRemoved', sid); },
            async publicationReplaced(sid, t) { note('publicationReplaced', sid, t ? `track:${t.kind}` : null); },
            publicationMuted(sid, muted) { note('publicationMuted', sid, muted); },
            sendData(sid) { note('sendData', sid); return false; },
            async getStats(sid) { note('getStats', sid); return { fakeReportFor: sid }; },
            describe() { return {}; },
            close() { note('close'); },
          };
        }
        """;

    [Fact]
    public async Task Engine_GivenInOptions_CarriesTheCallAndRoomDrivesIt()
    {
        var (a, aliceId) = await _h.JoinAsync("seam-mesh", "Alice", beforeJoin: RecordingEngine);
        var (b, bobId) = await _h.JoinAsync("seam-mesh", "Bob");
        await MeetingHarness.WaitForVideoFromAsync(a, Media, bobId);
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);
        // connectionStats come from the engine's samples, the first a second after connecting.
        await MeetingHarness.WaitForAsync(a, $"window.__peer.room.remoteParticipants.get('{bobId}').connectionStats?.connectionType === 'direct'",
            Media, "Bob's connection stats on Alice's side");
        var sids = await SidsAsync(a, bobId);
        string me = sids.Me, bob = sids.Bob;

        var log = await LogAsync(a, "__engineLog");
        Assert.Equal("start", log[0].Name);
        Assert.StartsWith($"init:{me}:", log[0].Args[0]);
        Assert.NotEqual($"init:{me}:0", log[0].Args[0]); // the server's STUN/TURN list reached the engine
        Assert.Contains(log, e => e.Is("call", "publicationAdded", $"media:camera:{sids.MyCamera}:video"));
        Assert.Contains(log, e => e.Is("call", "publicationAdded", $"media:microphone:{sids.MyMicrophone}:audio"));
        Assert.Contains(log, e => e.Is("call", "participantJoined", bob, "True")); // Bob came after Alice: she offers
        Assert.Contains(log, e => e.Is("report", "sendSignal", "offer", $"to:{bob}"));
        Assert.Contains(log, e => e.Is("call", "signal", $"frame:answer:{bob}"));
        Assert.Contains(log, e => e.Is("call", "signal", $"frame:candidate:{bob}"));
        Assert.Contains(log, e => e.Is("report", "trackArrived", bob, sids.BobCamera));
        Assert.Contains(log, e => e.Is("report", "connectionStateChanged", bob, "connected"));
        Assert.Contains(log, e => e.Is("report", "sampled", $"sample:{bob}"));

        // RemoteParticipant.getStats goes to the engine, which has the real peer connection.
        Assert.True(await a.EvaluateAsync<int>($"async () => (await window.__peer.room.remoteParticipants.get('{bobId}').getStats()).size") > 0);
        // Mute, camera off, data: each reaches the engine; the mute reaches Bob through the server.
        await a.EvaluateAsync("async () => { const lp = window.__peer.room.localParticipant; await lp.setMicrophoneEnabled(false); await lp.setCameraEnabled(false); await lp.publishData('over the channel', { topic: 'seam' }); }");
        await MeetingHarness.WaitForAsync(b, $"window.__peer.count('dataReceived', '{aliceId}') === 1 && !window.__peer.room.remoteParticipants.get('{aliceId}').isMicrophoneEnabled",
            Media, "Alice's data and mute at Bob");
        log = await LogAsync(a, "__engineLog");
        Assert.Contains(log, e => e.Is("call", "publicationMuted", sids.MyMicrophone, "True"));
        Assert.Contains(log, e => e.Is("call", "publicationReplaced", sids.MyCamera, null));
        Assert.Contains(log, e => e.Is("call", "sendData", bob));
        Assert.Contains(log, e => e.Is("call", "getStats", bob));

        // Bob leaves, then Alice: the engine hears both, and nothing more after its close.
        await b.EvaluateAsync("() => window.__peer.room.disconnect()");
        await MeetingHarness.WaitForAsync(a, $"window.__peer.count('participantDisconnected', '{bobId}') === 1", Media, "Bob gone at Alice");
        await a.EvaluateAsync("() => window.__peer.room.disconnect()");
        await Task.Delay(1500); // two stats rounds, had the engine kept running
        log = await LogAsync(a, "__engineLog");
        Assert.Contains(log, e => e.Is("call", "participantLeft", bob));
        var close = log.FindIndex(e => e.Is("call", "close"));
        Assert.True(close > 0, "the engine was closed");
        Assert.Equal(close, log.Count - 1);
    }

    [Fact]
    public async Task EngineReports_BecomeRoomStateAndEvents_OnlyForPeopleInTheRoom()
    {
        var (a, aliceId) = await _h.JoinAsync("seam-fake", "Alice", beforeJoin: FakeEngine);
        var (b, bobId) = await _h.JoinAsync("seam-fake", "Bob");
        await MeetingHarness.WaitForAsync(a, $"window.__peer.room.remoteParticipants.get('{bobId}')?.getTrackPublication('camera')",
            Media, "Bob's camera published, as Alice sees it");
        var sids = await SidsAsync(a, bobId);

        var r = JsonDocument.Parse(await a.EvaluateAsync<string>(Reports, new object[] { bobId })).RootElement;
        Assert.Equal(0, r.GetProperty("afterUnknown").GetInt32()); // a report about someone not in the room is dropped
        Assert.Equal("""{"same":true,"pub":true,"who":true,"source":"camera","kind":"video"}""", r.GetProperty("subscribed").GetRawText());
        Assert.True(r.GetProperty("isSubscribed").GetBoolean());
        Assert.Equal("""{"who":true,"state":"connected"}""", r.GetProperty("state").GetRawText());
        Assert.Equal("connected", r.GetProperty("connectionState").GetString());
        Assert.Equal($"""["{bobId}"]""", r.GetProperty("speakers").GetRawText());
        Assert.Equal($"""["{bobId}"]""", r.GetProperty("activeSpeakers").GetRawText());
        Assert.True(r.GetProperty("isSpeaking").GetBoolean());
        Assert.Equal(0.5, r.GetProperty("audioLevel").GetDouble());
        Assert.Equal("""{"connectionType":"relay","relayProtocol":"tcp","roundTripTime":42}""", r.GetProperty("stats").GetRawText());
        Assert.Equal("""{"text":"hello","who":true,"topic":"t1"}""", r.GetProperty("data").GetRawText());
        Assert.Equal("""{"same":true,"pub":true,"who":true}""", r.GetProperty("unsubscribed").GetRawText());
        Assert.True(r.GetProperty("stillPublished").GetBoolean()); // media ended; the publication stays
        Assert.False(r.GetProperty("isSubscribedAfter").GetBoolean());
        Assert.Equal($$"""{"fakeReportFor":"{{sids.Bob}}"}""", r.GetProperty("getStats").GetRawText());
        Assert.Equal("""["trackSubscribed","peerConnectionStateChanged","activeSpeakersChanged","dataReceived","trackUnsubscribed"]""",
            r.GetProperty("events").GetRawText());

        // sendSignal goes out through the server to the participant named in `to`.
        await a.EvaluateAsync("([to]) => window.__fake.host.sendSignal('candidate', { to, candidate: null })", new object[] { sids.Bob });
        await MeetingHarness.WaitForAsync(b, $"(() => {{ const r = window.__peer.room; return r._describeEngine()['{sids.Me}']?.counters.candidatesIn >= 1; }})()",
            TimeSpan.FromSeconds(5), "Alice's candidate at Bob's peer connection");
        // Data the engine cannot carry goes through the server.
        await a.EvaluateAsync("() => window.__peer.room.localParticipant.publishData('through the server')");
        await MeetingHarness.WaitForAsync(b, $"window.__peer.count('dataReceived', '{aliceId}') === 1", TimeSpan.FromSeconds(5), "Alice's data at Bob");
        // The microphone's level counts while it is on.
        Assert.True(await a.EvaluateAsync<bool>("""
            () => { const room = window.__peer.room;
              window.__fake.host.sampled({ stats: new Map(), levels: new Map(), localLevel: 0.9 });
              return room.localParticipant.isSpeaking && room.activeSpeakers.includes(room.localParticipant); }
            """));
        await a.EvaluateAsync("async () => { const lp = window.__peer.room.localParticipant; await lp.setMicrophoneEnabled(false); await lp.setCameraEnabled(false); }");
        await a.EvaluateAsync("async () => { await window.__peer.room.localParticipant.setMicrophoneEnabled(true); window.__fake.host.sampled({ stats: new Map(), levels: new Map(), localLevel: 0 }); }");
        Assert.Equal(0, await a.EvaluateAsync<double>("() => window.__peer.room.localParticipant.audioLevel"));

        await b.EvaluateAsync("() => window.__peer.room.disconnect()");
        await MeetingHarness.WaitForAsync(a, $"window.__peer.count('participantDisconnected', '{bobId}') === 1", Media, "Bob gone at Alice");
        Assert.Equal("closed", await a.EvaluateAsync<string>("() => window.__peer.room.remoteParticipants.size === 0 ? window.__bobAtAlice.connectionState : 'still there'"));
        // After the close, reports are not taken (the microphone is on: were this one taken, its level would show).
        Assert.Equal(0, await a.EvaluateAsync<int>("""
            async () => { const room = window.__peer.room; await room.disconnect(); let n = 0;
              room.on('activeSpeakersChanged', () => n++);
              window.__fake.host.sampled({ stats: new Map(), levels: new Map(), localLevel: 0.9 });
              return n + (room.localParticipant.audioLevel > 0 ? 100 : 0); }
            """));

        var calls = await LogAsync(a, "__calls");
        Assert.Equal("start", calls[0].Name);
        Assert.StartsWith($"init:{sids.Me}:", calls[0].Args[0]);
        Assert.NotEqual($"init:{sids.Me}:0", calls[0].Args[0]);
        Assert.Contains(calls, e => e.Is("call", "participantJoined", sids.Bob, "True"));
        Assert.Contains(calls, e => e.Is("call", "publicationAdded", $"media:camera:{sids.MyCamera}:video"));
        Assert.Contains(calls, e => e.Is("call", "publicationAdded", $"media:microphone:{sids.MyMicrophone}:audio"));
        Assert.Contains(calls, e => e.Is("call", "sendData", sids.Bob));
        Assert.Contains(calls, e => e.Is("call", "getStats", sids.Bob));
        Assert.Contains(calls, e => e.Is("call", "publicationMuted", sids.MyMicrophone, "True"));
        Assert.Contains(calls, e => e.Is("call", "publicationReplaced", sids.MyCamera, null));
        Assert.Contains(calls, e => e.Is("call", "publicationMuted", sids.MyCamera, "True"));
        Assert.Contains(calls, e => e.Is("call", "publicationMuted", sids.MyMicrophone, "False"));
        Assert.Contains(calls, e => e.Is("call", "participantLeft", sids.Bob));
        Assert.Equal("close", calls[^1].Name);
    }

    /// <summary>Reports made through the fake engine's host, with the events and state they produce.</summary>
    private const string Reports = """
        async ([bobId]) => {
          const room = window.__peer.room, host = window.__fake.host;
          const bob = window.__bobAtAlice = room.remoteParticipants.get(bobId);
          const cam = bob.getTrackPublication('camera');
          const events = [];
          for (const ev of ['trackSubscribed', 'trackUnsubscribed', 'trackUnpublished', 'peerConnectionStateChanged', 'activeSpeakersChanged', 'dataReceived'])
            room.on(ev, () => events.push(ev));
          const out = {};
          const canvas = document.createElement('canvas');
          const mst = canvas.captureStream(5).getVideoTracks()[0];
          host.trackArrived('PA_nobody', cam.trackSid, mst, null);
          host.connectionStateChanged('PA_nobody', 'failed');
          out.afterUnknown = events.length;

          room.once('trackSubscribed', (track, pub, p) => { out.subscribed = { same: track.mediaStreamTrack === mst, pub: pub === cam, who: p === bob, source: track.source, kind: track.kind }; });
          host.trackArrived(bob.sid, cam.trackSid, mst, null);
          out.isSubscribed = cam.isSubscribed;

          room.once('peerConnectionStateChanged', (p, state) => { out.state = { who: p === bob, state }; });
          host.connectionStateChanged(bob.sid, 'connected');
          out.connectionState = bob.connectionState;

          const stats = { connectionType: 'relay', relayProtocol: 'tcp', roundTripTime: 42 };
          room.once('activeSpeakersChanged', (s) => { out.speakers = s.map((p) => p.identity); });
          host.sampled({ stats: new Map([[bob.sid, stats]]), levels: new Map([[bob.sid, 0.5]]), localLevel: 0 });
          out.stats = bob.connectionStats;
          out.isSpeaking = bob.isSpeaking;
          out.audioLevel = bob.audioLevel;
          out.activeSpeakers = room.activeSpeakers.map((p) => p.identity);

          const topic = new TextEncoder().encode('t1'), payload = new TextEncoder().encode('hello');
          room.once('dataReceived', (bytes, p, t) => { out.data = { text: new TextDecoder().decode(bytes), who: p === bob, topic: t }; });
          host.dataReceived(bob.sid, new Uint8Array([1, 0, topic.length, ...topic, ...payload]));

          room.once('trackUnsubscribed', (track, pub, p) => { out.unsubscribed = { same: track.mediaStreamTrack === mst, pub: pub === cam, who: p === bob }; });
          host.trackEnded(bob.sid, cam.trackSid);
          out.stillPublished = bob.trackPublications.has(cam.trackSid);
          out.isSubscribedAfter = cam.isSubscribed;

          out.getStats = await bob.getStats();
          out.events = events;
          return JSON.stringify(out);
        }
        """;

    private sealed record Sids(string Me, string Bob, string MyCamera, string MyMicrophone, string BobCamera);

    private static async Task<Sids> SidsAsync(Microsoft.Playwright.IPage page, string bobId)
    {
        var s = await page.EvaluateAsync<JsonElement>("""
            ([bobId]) => { const r = window.__peer.room, lp = r.localParticipant, bob = r.remoteParticipants.get(bobId);
              return [lp.sid, bob.sid, lp.getTrackPublication('camera').trackSid, lp.getTrackPublication('microphone').trackSid, bob.getTrackPublication('camera').trackSid]; }
            """, new object[] { bobId });
        return new Sids(s[0].GetString()!, s[1].GetString()!, s[2].GetString()!, s[3].GetString()!, s[4].GetString()!);
    }

    /// <summary>One logged call or report; arguments as strings (JSON booleans as "True"/"False", null as null).</summary>
    private sealed record CallEntry(string Kind, string Name, string?[] Args)
    {
        public bool Is(string kind, string name, params string?[] args) =>
            Kind == kind && Name == name && Args.Length >= args.Length && args.Select((a, i) => a == Args[i]).All(x => x);

        public override string ToString() => $"{Kind} {Name}({string.Join(", ", Args)})";
    }

    private static async Task<List<CallEntry>> LogAsync(Microsoft.Playwright.IPage page, string variable)
    {
        var log = await page.EvaluateAsync<JsonElement>($"() => window.{variable}");
        return log.EnumerateArray().Select(e => new CallEntry(
            e.GetProperty("kind").GetString()!, e.GetProperty("name").GetString()!,
            e.GetProperty("args").EnumerateArray().Select(a => a.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.True => "True",
                JsonValueKind.False => "False",
                JsonValueKind.String => a.GetString(),
                _ => a.GetRawText(),
            }).ToArray())).ToList();
    }
}
