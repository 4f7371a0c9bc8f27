using System.Net;
using Confer.Bench.Sfu.Rtc;
using Confer.Sfu.Dtls;

namespace Confer.Bench.Sfu;

/// <summary>One row of the bench: a room where everyone publishes and subscribes, or one publisher and many viewers.</summary>
internal sealed record RowSpec(string Name, int Publishers, int Viewers, VideoLayer Layer)
{
    public int Participants => Publishers + Viewers;

    /// <summary>Down-tracks the row should have: every subscriber gets every other publisher's audio and video.</summary>
    public int ExpectedDownTracks => Publishers * (Participants - 1) * 2;
}

/// <summary>What the participants of one run share: the room, the tile size, the certificate, the pump, the handshake limit.</summary>
internal sealed class RowSetup(string room, VideoLayer layer, MediaPump pump, IPAddress address) : IDisposable
{
    /// <summary>Where the client's sockets bind: the address the server's own candidate is on.</summary>
    public IPAddress Address { get; } = address;

    public string Room { get; } = room;
    public VideoLayer Layer { get; } = layer;
    public MediaPump Pump { get; } = pump;

    /// <summary>One certificate for every connection of the client (a browser has one per connection; it costs nothing on the wire).</summary>
    public DtlsCertificate Certificate { get; } = DtlsCertificate.Generate(TimeProvider.System);

    /// <summary>BouncyCastle handshakes block a thread each: a few at a time.</summary>
    public SemaphoreSlim Handshakes { get; } = new(8, 8);

    public void Dispose() => Pump.Dispose();
}

/// <summary>A participant of either server, as the row runner sees it.</summary>
internal interface IBenchParticipant : IAsyncDisposable
{
    MediaPeer? Subscriber { get; }

    /// <summary>Tracks the server's latest subscriber offer carried.</summary>
    int OfferedTracks { get; }

    string? Failure { get; }

    /// <summary>
    /// The second phase, once every publisher is in: subscribe to the others (Janus: a subscriber handle per participant;
    /// Confer offers by itself, so nothing to do).
    /// </summary>
    Task SubscribeAsync(IEnumerable<int> publishers, CancellationToken cancel);

    /// <summary>Completes when the subscriber connection is up (ICE + DTLS).</summary>
    Task ConnectedAsync();
}
