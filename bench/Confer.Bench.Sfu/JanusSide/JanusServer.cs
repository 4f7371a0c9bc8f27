using System.Text.Json.Nodes;

namespace Confer.Bench.Sfu.JanusSide;

/// <summary>
/// Janus 1.1 (Debian package <c>janus</c>) in its own process with a configuration directory the bench writes: the HTTP
/// transport only, on a loopback port; the VideoRoom plugin only; full ICE without STUN or NAT settings; an RTP port
/// range of its own; warnings-only logging. Each run creates its own room (VP8 and Opus, no bitrate cap).
/// </summary>
internal static class JanusServer
{
    /// <summary>The address of run.sh's veth interface: libnice gathers nothing on loopback, so Janus's candidates are here.</summary>
    public static readonly System.Net.IPAddress Address = System.Net.IPAddress.Parse("198.18.0.1");

    private const string Lib = "/usr/lib/x86_64-linux-gnu/janus";

    public static Task<ChildServer> StartAsync(string directory)
    {
        int http = ChildServer.FreeTcpPort();
        Directory.CreateDirectory(directory);
        string[] otherPlugins = ["audiobridge", "duktape", "echotest", "lua", "nosip", "recordplay", "sip", "streaming", "textroom", "videocall", "voicemail"];
        string[] otherTransports = ["mqtt", "nanomsg", "pfunix", "rabbitmq", "websockets"];
        File.WriteAllText(Path.Combine(directory, "janus.jcfg"), $$"""
            general: {
                configs_folder = "{{directory}}"
                plugins_folder = "{{Lib}}/plugins"
                transports_folder = "{{Lib}}/transports"
                events_folder = "{{Lib}}/events"
                loggers_folder = "{{Lib}}/loggers"
                debug_level = 3
                session_timeout = 120
            }
            certificates: {
            }
            media: {
                rtp_port_range = "30000-50000"
            }
            nat: {
                nice_debug = false
                full_trickle = false
                ice_lite = false
                ice_tcp = false
            }
            plugins: {
                disable = "{{string.Join(',', otherPlugins.Select(p => $"libjanus_{p}.so"))}}"
            }
            transports: {
                disable = "{{string.Join(',', otherTransports.Select(t => $"libjanus_{t}.so"))}}"
            }
            loggers: {
                disable = "libjanus_jsonlog.so"
            }
            events: {
                broadcast = false
            }
            """);
        File.WriteAllText(Path.Combine(directory, "janus.transport.http.jcfg"), $$"""
            general: {
                json = "compact"
                base_path = "/janus"
                http = true
                port = {{http}}
                ip = "127.0.0.1"
                https = false
            }
            admin: {
                admin_http = false
                admin_https = false
            }
            """);
        File.WriteAllText(Path.Combine(directory, "janus.plugin.videoroom.jcfg"), "general: {\n}\n");
        string[] args = ["-C", Path.Combine(directory, "janus.jcfg"), "-F", directory, "-d", "3", "-o"];
        if (Environment.GetEnvironmentVariable("BENCH_JANUS_LOG") is { Length: > 0 } log) args = [.. args[..^3], "-d", "5", "-o", "-L", log];
        return ChildServer.StartAsync("janus", "janus", args, new Uri($"http://127.0.0.1:{http}/"), "/janus/info");
    }

    /// <summary>Joins through one session and room per run (made by the first participant).</summary>
    public static RowRunner.Join Joiner(ChildServer server)
    {
        var rooms = new Dictionary<string, Task<JanusRoom>>();
        return async (setup, index, publish, cancel) =>
        {
            Task<JanusRoom> made;
            lock (rooms)
                if (!rooms.TryGetValue(setup.Room, out made!)) rooms[setup.Room] = made = CreateRoomAsync(server);
            var room = await made;
            var participant = new JanusParticipant(room, setup, index);
            if (publish) await participant.PublishAsync(cancel);
            return participant;
        };
    }

    private static async Task<JanusRoom> CreateRoomAsync(ChildServer server)
    {
        var session = await JanusSession.CreateAsync(new Uri(server.Http, "/janus"));
        long admin = await session.AttachAsync("janus.plugin.videoroom");
        long id = Random.Shared.NextInt64(1, 1L << 40);
        await session.RequestAsync(admin, new JsonObject
        {
            ["request"] = "create", ["room"] = id, ["publishers"] = 100, ["bitrate"] = 0, ["fir_freq"] = 0,
            ["audiocodec"] = "opus", ["videocodec"] = "vp8", ["notify_joining"] = false, ["is_private"] = true,
        });
        return new JanusRoom(session, id);
    }
}
