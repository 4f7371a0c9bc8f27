using System.Net;
using System.Net.Sockets;
using Confer.Sfu.Ice;
using Confer.Transport.Classification;

namespace Confer.Sfu.Tests.Session.Client;

/// <summary>
/// A real UDP socket on 127.0.0.1 in front of the SFU, doing what the media port's demux does (RFC 7983 §7): STUN to the
/// ICE check handler, DTLS/RTP/RTCP from a checked 5-tuple to the <see cref="IMediaPacketSink"/>, the rest counted and
/// dropped. One receive thread with one reused buffer, like a transport worker. Handler exceptions are counted (a test
/// asserts there are none) instead of ending the loop.
/// </summary>
internal sealed class UdpMediaServer : IClientSink, IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly IceCheckHandler _ice;
    private readonly IceSessionTable _table;
    private readonly IMediaPacketSink _media;
    private readonly TransportAddress _local;
    private volatile bool _stop;
    private long _received, _unmatched, _handlerExceptions;

    public UdpMediaServer(IceSessionTable table, IMediaPacketSink media)
    {
        _table = table;
        _media = media;
        _ice = new IceCheckHandler(table);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, SendBufferSize = 4 << 20 };
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _local = TransportAddress.FromEndPoint(EndPoint);
        _thread = new Thread(Run) { IsBackground = true, Name = "test-media-server" };
        _thread.Start();
    }

    public IPEndPoint EndPoint { get; }

    public ClientTransport Transport => ClientTransport.Udp;

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Datagrams neither ICE nor from a checked path (TURN would get them).</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    public long HandlerExceptions => Interlocked.Read(ref _handlerExceptions);

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        try
        {
            return _socket.SendTo(bytes, SocketFlags.None, destination) == bytes.Length;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>The demux of one datagram, as MediaPortHandler does it; public so a test can drive it on its own thread.</summary>
    public void Dispatch(Span<byte> packet, SocketAddress from)
    {
        var context = new PacketContext(new FiveTuple(TransportAddress.FromSocketAddress(from), _local, ClientTransport.Udp), from, this);
        var kind = PacketClassifier.Classify(packet);
        if (kind == PacketKind.Stun)
        {
            if (_ice.Handle(packet, context) != IceCheckResult.NotIce) return;
        }
        else if (kind is PacketKind.Dtls or PacketKind.Rtp or PacketKind.Rtcp && _table.TryGetPath(context.Tuple, out var path))
        {
            _media.OnPacket(path, kind, packet, context);
            return;
        }
        Interlocked.Increment(ref _unmatched);
    }

    private void Run()
    {
        var buffer = new byte[4096];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        while (!_stop)
        {
            int n;
            try
            {
                if (!_socket.Poll(50_000, SelectMode.SelectRead)) continue;
                n = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable from a closed client socket, for one
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _received);
            try
            {
                Dispatch(buffer.AsSpan(0, n), from);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _handlerExceptions);
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
    }
}
