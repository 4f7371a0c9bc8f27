using System.Collections.Concurrent;
using System.Diagnostics;
using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Client;

/// <summary>
/// The SFU's transport half on a real UDP socket: an ICE table, <see cref="SfuTransports"/> as its listener and media
/// sink, and a <see cref="UdpMediaServer"/> doing the port's demux. <see cref="Connect"/> brings an
/// <see cref="SfuTestClient"/> through ICE and DTLS to a connected <see cref="MediaTransport"/>.
/// </summary>
internal sealed class TransportHarness : IDisposable
{
    /// <summary>Made once: key generation is the slow part of a test.</summary>
    public static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate(TimeProvider.System);
    public static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate(TimeProvider.System);
    public static readonly DtlsCertificate StrangerCertificate = DtlsCertificate.Generate(TimeProvider.System);

    private readonly List<IDisposable> _owned = [];

    /// <param name="iceTime">The ICE table's clock (a FakeTimeProvider drives consent expiry); DTLS keeps the system clock.</param>
    public TransportHarness(SfuTransportOptions? options = null, IceOptions? ice = null, TimeProvider? iceTime = null, IceTcpLimits? tcpLimits = null)
    {
        Transports = new SfuTransports(() => Table!, options, TimeProvider.System, null, ServerCertificate);
        Table = new IceSessionTable(ice ?? new IceOptions(), iceTime ?? TimeProvider.System, Transports, startSweep: false);
        Server = new UdpMediaServer(Table, Transports);
        TcpServer = new TcpMediaServer(Table, Transports, tcpLimits);
    }

    /// <summary>ICE-TCP (RFC 6544) in front of the same table and transports.</summary>
    public TcpMediaServer TcpServer { get; }

    public IceSessionTable Table { get; }

    public SfuTransports Transports { get; }

    public UdpMediaServer Server { get; }

    public SfuTestClient NewClient(DtlsCertificate? certificate = null, bool tcp = false)
    {
        var client = new SfuTestClient(tcp ? TcpServer.EndPoint : Server.EndPoint, certificate ?? ClientCertificate, tcp);
        _owned.Add(client);
        return client;
    }

    /// <summary>A transport for a new client, checked (nominated) and DTLS-connected with the given profiles.</summary>
    public (MediaTransport Transport, SfuTestClient Client) Connect(int[]? profiles = null, IRtpPacketReceiver? receiver = null, bool tcp = false)
    {
        var client = NewClient(tcp: tcp);
        Assert.True(Transports.TryCreate(client.Fingerprint, client.Ufrag, out var transport));
        transport.Receiver = receiver;
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd), "ICE check got no success response");
        client.Connect(DtlsFingerprint.Parse(transport.Fingerprint), profiles);
        WaitFor(() => transport.State == MediaTransportState.Connected, "transport connected");
        return (transport, client);
    }

    public static void WaitFor(Func<bool> condition, string what, int timeoutMillis = 5000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMillis) Assert.Fail($"timed out waiting for: {what}");
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        Server.Dispose();
        TcpServer.Dispose();
        Transports.Dispose();
        Table.Dispose();
        foreach (var d in _owned) d.Dispose();
    }
}

/// <summary>Keeps a copy of everything it is handed (functional tests; allocates).</summary>
internal sealed class RecordingReceiver : IRtpPacketReceiver
{
    public ConcurrentQueue<byte[]> Rtp { get; } = new();
    public ConcurrentQueue<byte[]> Rtcp { get; } = new();

    public void OnRtp(Span<byte> packet) => Rtp.Enqueue(packet.ToArray());

    public void OnRtcp(Span<byte> packet) => Rtcp.Enqueue(packet.ToArray());
}
