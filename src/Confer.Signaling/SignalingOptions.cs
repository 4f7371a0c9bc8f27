using Confer.Signaling.Auth;

namespace Confer.Signaling;

/// <summary>
/// Signaling settings with their defaults visible here (docs/protocol.md, "Limits"). Bound from the
/// <c>Signaling</c> configuration section and <c>confer serve</c> flags; checked by <see cref="Validate"/> at start.
/// </summary>
public sealed class SignalingOptions
{
    /// <summary>
    /// API keys and secrets (<c>--keys "key: secret"</c>, <c>CONFER_KEYS</c>, or the <c>Signaling:Keys</c>
    /// setting in the same format; <c>--dev</c> adds devkey/secret).
    /// </summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("ApiKeysNotBound")]
    public ApiKeys Keys { get; } = new();

    /// <summary>When true, <c>POST /api/token</c> mints join tokens for anyone (always on in <c>--dev</c>).</summary>
    public bool OpenRooms { get; set; }

    /// <summary>
    /// How media travels in rooms: <c>mesh</c> (browser to browser, the default), <c>sfu</c> (through Confer's SFU,
    /// for clients that speak protocol 2; docs/protocol.md, "Through Confer's SFU") or <c>auto</c> (browser to browser
    /// until <see cref="SfuFrom"/> people are in the room, then through the SFU).
    /// </summary>
    public string Topology { get; set; } = Topologies.Mesh;

    /// <summary>With <c>auto</c>: the number of people in a room from which its media goes through the SFU.</summary>
    public int SfuFrom { get; set; } = 3;

    /// <summary>With <c>auto</c>: how long a room stays on the SFU after it fell below <see cref="SfuFrom"/> (someone reloading their page does not flip it).</summary>
    public TimeSpan MeshReturnDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Host name put in ICE server URLs; null uses the host the client reached <c>/rtc</c> with.</summary>
    public string? PublicHost { get; set; }

    /// <summary>Extra ICE server URLs handed to clients as they are (<c>--ice-server</c>).</summary>
    public List<string> ExternalIceServers { get; } = [];

    /// <summary>Bytes of one client frame: the largest is a subscriber answer in a full SFU room (<see cref="MaxSdpBytes"/>, JSON-escaped).</summary>
    public int MaxFrameBytes { get; set; } = 320 * 1024;
    public int MessagesPerSecond { get; set; } = 100;
    public int MessageBurst { get; set; } = 200;
    public int MaxInvalidFrames { get; set; } = 20;
    public int OutboundQueue { get; set; } = 1024;
    /// <summary>Bytes of frames waiting for one client: past it (or <see cref="OutboundQueue"/> frames) it is closed as slow.</summary>
    public int OutboundQueueBytes { get; set; } = 4 * 1024 * 1024;
    /// <summary>Room events waiting for observers (metrics, webhooks); when full, events are dropped and counted.</summary>
    public int EventQueue { get; set; } = 8192;
    public int DefaultMaxParticipants { get; set; } = 100;
    public int MaxTracksPerParticipant { get; set; } = 32;
    public int ReplayBuffer { get; set; } = 256;
    /// <summary>Bytes of frames kept per participant for resume; the oldest go first past it (or <see cref="ReplayBuffer"/> frames).</summary>
    public int ReplayBufferBytes { get; set; } = 1024 * 1024;
    /// <summary>Bytes of a <c>data</c> payload (as sent, UTF-8 or base64 text): larger ones get <c>limit_exceeded</c> (LiveKit caps data near 15 KiB).</summary>
    public int MaxDataBytes { get; set; } = 15 * 1024;
    /// <summary>
    /// Bytes of the <c>sdp</c> of an offer or answer. A browser's subscriber answer grows by about 0.8 KB per track it
    /// receives: a room of fifty through the SFU needs about 85 KB, a hundred people about 170 KB (the SFU's SDP parser
    /// stops at 256 KiB). 32 KiB refused every subscriber of a room of fifty in the SFU benchmark.
    /// </summary>
    public int MaxSdpBytes { get; set; } = 256 * 1024;
    /// <summary>Bytes of a trickled candidate (<c>candidate</c>, <c>sdpMid</c>, <c>usernameFragment</c> together).</summary>
    public int MaxCandidateBytes { get; set; } = 1024;
    /// <summary>Bytes of the <c>metadata</c> a participant sets with <c>updateMetadata</c>.</summary>
    public int MaxMetadataBytes { get; set; } = 4 * 1024;
    /// <summary>
    /// A sender's byte budget: what the server must send out for its messages (their size times their recipients)
    /// refills at this rate, up to <see cref="SenderByteBurst"/>. It belongs to the identity in the room, so a
    /// reconnect, resume or rejoin does not refill it.
    /// </summary>
    public int SenderBytesPerSecond { get; set; } = 512 * 1024;
    public int SenderByteBurst { get; set; } = 2 * 1024 * 1024;
    /// <summary>How long the TURN credentials handed out at join and resume stay valid (never past the access token).</summary>
    public TimeSpan TurnCredentialLifetime { get; set; } = TimeSpan.FromHours(4);
    /// <summary><c>POST /api/token</c> (open rooms, <c>--dev</c>): tokens per source address per minute (bursts as large).</summary>
    public int TokenRequestsPerMinute { get; set; } = 20;
    public TimeSpan ResumeGrace { get; set; } = TimeSpan.FromSeconds(20);
    public TimeSpan EmptyTimeout { get; set; } = TimeSpan.FromSeconds(20);
    public TimeSpan ApiRoomEmptyTimeout { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Returns a sentence saying what to change, or null when the settings are usable.</summary>
    public string? Validate()
    {
        if (MaxFrameBytes < 1024) return "Signaling:MaxFrameBytes must be at least 1024.";
        if (!Topologies.IsValid(Topology)) return $"Signaling:Topology must be '{Topologies.Mesh}', '{Topologies.Sfu}' or '{Topologies.Auto}'.";
        if (SfuFrom < 2) return "Signaling:SfuFrom must be at least 2 (a room of one sends no media).";
        if (MeshReturnDelay < TimeSpan.Zero) return "Signaling:MeshReturnDelay cannot be negative.";
        if (MessagesPerSecond < 1 || MessageBurst < MessagesPerSecond) return "Signaling:MessagesPerSecond must be at least 1 and MessageBurst at least as large.";
        if (OutboundQueue < 16) return "Signaling:OutboundQueue must be at least 16.";
        if (OutboundQueueBytes < 256 * 1024) return "Signaling:OutboundQueueBytes must be at least 262144 (256 KiB).";
        if (EventQueue < 16) return "Signaling:EventQueue must be at least 16.";
        if (DefaultMaxParticipants < 1) return "Signaling:DefaultMaxParticipants must be at least 1.";
        if (ReplayBuffer < 1) return "Signaling:ReplayBuffer must be at least 1.";
        if (ReplayBufferBytes < MaxFrameBytes) return "Signaling:ReplayBufferBytes must be at least Signaling:MaxFrameBytes.";
        if (MaxDataBytes < 1 || MaxSdpBytes < 1 || MaxCandidateBytes < 1 || MaxMetadataBytes < 1)
            return "Signaling:MaxDataBytes, MaxSdpBytes, MaxCandidateBytes and MaxMetadataBytes must be at least 1.";
        if (SenderBytesPerSecond < 1024 || SenderByteBurst < MaxFrameBytes)
            return "Signaling:SenderBytesPerSecond must be at least 1024 and SenderByteBurst at least Signaling:MaxFrameBytes.";
        if (TurnCredentialLifetime < TimeSpan.FromMinutes(1)) return "Signaling:TurnCredentialLifetime must be at least 00:01:00.";
        if (TokenRequestsPerMinute < 1) return "Signaling:TokenRequestsPerMinute must be at least 1.";
        if (PingInterval <= TimeSpan.Zero || PingTimeout <= PingInterval) return "Signaling:PingTimeout must be longer than PingInterval.";
        if (ResumeGrace < TimeSpan.Zero || EmptyTimeout < TimeSpan.Zero) return "Signaling:ResumeGrace and EmptyTimeout cannot be negative.";
        foreach (var url in ExternalIceServers)
            if (!(url.StartsWith("stun:", StringComparison.Ordinal) || url.StartsWith("stuns:", StringComparison.Ordinal)
                  || url.StartsWith("turn:", StringComparison.Ordinal) || url.StartsWith("turns:", StringComparison.Ordinal)))
                return $"--ice-server '{url}' must start with stun:, stuns:, turn: or turns:.";
        return null;
    }
}

/// <summary>The values of <see cref="SignalingOptions.Topology"/> and of the <c>join</c> frame's <c>topology</c>.</summary>
public static class Topologies
{
    public const string Mesh = "mesh", Sfu = "sfu", Auto = "auto";

    public static bool IsValid(string? value) => value is Mesh or Sfu or Auto;

    /// <summary>Whether rooms under this setting need the SFU's media plane.</summary>
    public static bool NeedsSfu(string? value) => value is Sfu or Auto;
}
