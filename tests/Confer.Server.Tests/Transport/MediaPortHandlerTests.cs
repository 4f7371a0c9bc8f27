using System.Net;
using System.Text;
using Confer.Server.Transport;
using Confer.Sfu.Ice;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Transport;
using Confer.Transport.Classification;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Server.Tests.Transport;

/// <summary>The media port's routing, without sockets: ICE checks, media from checked 5-tuples, everything else to TURN unchanged.</summary>
public sealed class MediaPortHandlerTests : IDisposable
{
    private readonly RecordingTurn _turn = new();
    private readonly RecordingMedia _media = new();
    private readonly IceSessionTable _table = new(new IceOptions(), new FakeTimeProvider());
    private readonly MediaPortHandler _handler;
    private readonly Sink _sink = new(ClientTransport.Udp);

    public MediaPortHandlerTests() => _handler = new MediaPortHandler(_turn, new IceCheckHandler(_table), _table, _media);

    public void Dispose() => _table.Dispose();

    private static PacketContext Context(IClientSink sink, int port)
    {
        var client = new IPEndPoint(IPAddress.Parse("198.51.100.7"), port);
        var server = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 3478);
        return new PacketContext(new FiveTuple(TransportAddress.FromEndPoint(client), TransportAddress.FromEndPoint(server), sink.Transport), client.Serialize(), sink);
    }

    internal static byte[] Check(string username, string password, bool useCandidate = false)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddUsername(username);
        writer.AddIceControlling(42);
        if (useCandidate) writer.AddUseCandidate();
        writer.AddPriority(1_853_817_087);
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(password));
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private static byte[] TurnBinding()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private static readonly byte[] DtlsClientHello = [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
    private static readonly byte[] Rtp = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0xAB];
    private static readonly byte[] Rtcp = [0x81, 200, 0, 1, 0, 0, 0, 9];

    [Fact]
    public void OnPacket_CheckForKnownUfrag_AnsweredByIceNotTurn()
    {
        Assert.True(_table.TryCreate("rmt1", out var session));
        _handler.OnPacket(Check($"{session.LocalUfrag}:rmt1", session.Local.Password), Context(_sink, 5000));
        Assert.Equal(0, _turn.Packets);
        Assert.Equal(1, _sink.Count);
        Assert.Equal(1, _table.PathCount);
    }

    [Fact]
    public void OnPacket_UnknownUfrag_GoesToTurnUntouched()
    {
        var check = Check("nobody:rmt1", "0123456789012345678901");
        _handler.OnPacket(check, Context(_sink, 5001));
        Assert.Equal(1, _turn.Packets);
        Assert.Equal(check, _turn.Last);
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public void OnPacket_TurnBindingAndChannelDataAndGarbage_GoToTurn()
    {
        _handler.OnPacket(TurnBinding(), Context(_sink, 5002));
        _handler.OnPacket([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4], Context(_sink, 5002));
        _handler.OnPacket([0xFF, 0xFF], Context(_sink, 5002));
        _handler.OnPacket([], Context(_sink, 5002));
        Assert.Equal(4, _turn.Packets);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void OnPacket_MediaFromCheckedTuple_GoesToSinkWithKind(int which)
    {
        Assert.True(_table.TryCreate("rmt1", out var session));
        _handler.OnPacket(Check($"{session.LocalUfrag}:rmt1", session.Local.Password, useCandidate: true), Context(_sink, 5003));
        var (packet, kind) = which switch { 0 => (DtlsClientHello, PacketKind.Dtls), 1 => (Rtp, PacketKind.Rtp), _ => (Rtcp, PacketKind.Rtcp) };

        _handler.OnPacket(packet, Context(_sink, 5003));

        Assert.Equal(0, _turn.Packets);
        Assert.Equal(1, _media.Packets);
        Assert.Equal(kind, _media.LastKind);
        Assert.Same(session, _media.LastPath!.Session);
    }

    [Fact]
    public void OnPacket_MediaFromUncheckedTuple_GoesToTurnWhichDropsIt()
    {
        Assert.True(_table.TryCreate("rmt1", out var session));
        _handler.OnPacket(Check($"{session.LocalUfrag}:rmt1", session.Local.Password), Context(_sink, 5004));
        _handler.OnPacket(Rtp, Context(_sink, 5005));
        Assert.Equal(0, _media.Packets);
        Assert.Equal(1, _turn.Packets);
    }

    [Fact]
    public void OnPacket_Tcp_AlwaysTurn()
    {
        Assert.True(_table.TryCreate("rmt1", out var session));
        var tcp = new Sink(ClientTransport.Tcp);
        _handler.OnPacket(Check($"{session.LocalUfrag}:rmt1", session.Local.Password), Context(tcp, 5006));
        Assert.Equal(1, _turn.Packets);
        Assert.Equal(0, tcp.Count);
    }

    [Fact]
    public void OnConnectionClosed_ForwardedToTurnAndTable()
    {
        var context = Context(_sink, 5007);
        _handler.OnConnectionClosed(context.Tuple);
        Assert.Equal(1, _turn.Closed);
    }

    [Fact]
    public void OnPacket_MediaOnKnownPath_AllocatesNothing()
    {
        Assert.True(_table.TryCreate("rmt1", out var session));
        var context = Context(_sink, 5008);
        var check = Check($"{session.LocalUfrag}:rmt1", session.Local.Password, useCandidate: true);
        for (int i = 0; i < 100; i++) { _handler.OnPacket(check, context); _handler.OnPacket(Rtp, context); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) { _handler.OnPacket(check, context); _handler.OnPacket(Rtp, context); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private sealed class RecordingTurn : IPacketHandler
    {
        public int Packets { get; private set; }
        public int Closed { get; private set; }
        public byte[] Last { get; private set; } = [];

        public void OnPacket(ReadOnlySpan<byte> packet, in PacketContext context)
        {
            Packets++;
            Last = packet.ToArray();
        }

        public void OnConnectionClosed(in FiveTuple tuple) => Closed++;
    }

    private sealed class RecordingMedia : IMediaPacketSink
    {
        public int Packets { get; private set; }
        public PacketKind LastKind { get; private set; }
        public IcePath? LastPath { get; private set; }

        public void OnPacket(IcePath path, PacketKind kind, ReadOnlySpan<byte> packet, in PacketContext context)
        {
            Packets++;
            LastKind = kind;
            LastPath = path;
        }
    }

    private sealed class Sink(ClientTransport transport) : IClientSink
    {
        public int Count { get; private set; }
        public ClientTransport Transport => transport;

        public bool Send(ReadOnlySpan<byte> bytes, System.Net.SocketAddress destination)
        {
            Count++;
            return true;
        }
    }
}
