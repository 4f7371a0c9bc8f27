using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Sfu.Srtp;
using Confer.Sfu.Tests.Dtls;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Transport.Classification;
using Org.BouncyCastle.Tls;

namespace Confer.Sfu.Tests.Session.Client;

/// <summary>
/// What a browser's peer connection does toward an ICE-lite SFU, on one real UDP socket: an ICE check (RFC 8445 §7.2.2:
/// USERNAME "server:client", PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY keyed with the server's
/// password, FINGERPRINT), the DTLS client handshake (a=setup:active, BouncyCastle, its own certificate) and SRTP with
/// the exported keys (RFC 5764 §4.2: it protects with the client write key, unprotects with the server's).
/// Blocking calls, bounded by timeouts; for tests and benchmarks. With <c>tcp</c> it is an ICE-TCP active client
/// (RFC 6544) instead: one TCP connection, every packet framed by its 16-bit length (RFC 4571 §2).
/// </summary>
internal sealed class SfuTestClient : DatagramTransport, IDisposable
{
    private Socket _socket;
    private readonly IPEndPoint _server;
    private readonly byte[] _receive = new byte[70_000];
    private readonly bool _tcp;
    private SrtpSession? _outbound;
    private SrtpSession? _inbound;

    public SfuTestClient(IPEndPoint server, DtlsCertificate? certificate = null, bool tcp = false)
    {
        _tcp = tcp;
        _server = server;
        _socket = tcp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20 };
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Connect(server);
        Certificate = certificate ?? DtlsCertificate.Generate(TimeProvider.System);
        Ufrag = IceCredentials.Generate().Ufrag;
    }

    public DtlsCertificate Certificate { get; }

    /// <summary>What the client's SDP would carry as a=fingerprint.</summary>
    public DtlsFingerprint Fingerprint => Certificate.Fingerprint;

    public string Ufrag { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public SrtpProfile? Profile { get; private set; }

    /// <summary>The keys the DTLS handshake exported (null before).</summary>
    public DtlsSrtpKeys? Keys { get; private set; }

    /// <summary>One ICE check; true when a Binding success response with our transaction id came back in time.</summary>
    public bool Check(string serverUfrag, string serverPassword, bool useCandidate = true, int timeoutMillis = 2000)
    {
        var id = TransactionId.New();
        Span<byte> request = stackalloc byte[256];
        var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, id);
        writer.AddUsername($"{serverUfrag}:{Ufrag}");
        writer.AddIceControlling(0x0102_0304_0506_0708);
        if (useCandidate) writer.AddUseCandidate();
        writer.AddPriority(2_113_937_151);
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(serverPassword));
        writer.AddFingerprint();
        SendRaw(writer.Written);
        long deadline = Environment.TickCount64 + timeoutMillis;
        while (ReceiveRaw((int)Math.Max(0, deadline - Environment.TickCount64)) is int n and >= 0)
        {
            if (StunMessage.TryRead(_receive.AsSpan(0, n), out var response, out _) && response.TransactionId == id)
            {
                return response.Class == StunClass.SuccessResponse;
            }
        }
        return false;
    }

    /// <summary>
    /// Sends a STUN request the caller built and waits for the answer with its transaction id: the answer's class and its
    /// ERROR-CODE (0 for none); null when nothing came in time.
    /// </summary>
    public (StunClass Class, int Error)? Transact(ReadOnlySpan<byte> request, TransactionId id, int timeoutMillis = 1000)
    {
        SendRaw(request);
        long deadline = Environment.TickCount64 + timeoutMillis;
        while (ReceiveRaw((int)Math.Max(0, deadline - Environment.TickCount64)) is int n and >= 0)
        {
            if (!StunMessage.TryRead(_receive.AsSpan(0, n), out var response, out _) || response.TransactionId != id) continue;
            int code = response.TryGetAttribute(StunAttributeType.ErrorCode, out var value) && ErrorCode.TryRead(value, out int c, out _) ? c : 0;
            return (response.Class, code);
        }
        return null;
    }

    /// <summary>
    /// The DTLS client handshake over this socket, then the SRTP contexts. Throws what BouncyCastle throws (a fatal alert
    /// when the server refuses us, a timeout when it never answers).
    /// </summary>
    public void Connect(DtlsFingerprint serverFingerprint, int[]? profiles = null)
    {
        var client = new TestDtlsClient(Certificate, serverFingerprint, profiles ?? [DtlsSrtpProfile.AeadAes128Gcm, DtlsSrtpProfile.Aes128CmHmacSha1_80]);
        new DtlsClientProtocol().Connect(client, this);
        if (client.Material is null || !DtlsSrtpKeys.TrySplit((ushort)client.SelectedProfile, client.Material, out var keys))
        {
            throw new InvalidOperationException("The DTLS handshake gave no SRTP keys.");
        }
        var profile = (SrtpProfile)keys!.ProfileId;
        keys.TryCreateMasterKeys(out var clientKey, out var serverKey);
        _outbound = new SrtpSession(clientKey!, SrtpDirection.Protect);
        _inbound = new SrtpSession(serverKey!, SrtpDirection.Unprotect);
        Keys = keys;
        Profile = profile;
    }

    /// <summary>The SRTP (or SRTCP) form of a plaintext packet, as this client would send it.</summary>
    public byte[] Protect(ReadOnlySpan<byte> plain, bool rtcp = false)
    {
        var outbound = _outbound ?? throw new InvalidOperationException("Not connected.");
        var buffer = new byte[plain.Length + SrtpProfiles.MaxProtectOverhead];
        plain.CopyTo(buffer);
        bool ok = rtcp
            ? outbound.TryProtectRtcp(buffer, plain.Length, out int length, out var error)
            : outbound.TryProtectRtp(buffer, plain.Length, out length, out error);
        if (!ok) throw new InvalidOperationException($"protect failed: {error}");
        return buffer[..length];
    }

    /// <summary>Protects and sends one RTP (or RTCP) packet.</summary>
    public void SendMedia(ReadOnlySpan<byte> plain, bool rtcp = false) => SendRaw(Protect(plain, rtcp));

    public void SendRaw(ReadOnlySpan<byte> datagram)
    {
        if (!_tcp)
        {
            _socket.Send(datagram);
            return;
        }
        var frame = new byte[2 + datagram.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)datagram.Length);
        datagram.CopyTo(frame.AsSpan(2));
        try
        {
            _socket.Send(frame);
        }
        catch (SocketException)
        {
            // Closed by the server: what a test may be checking.
        }
    }

    /// <summary>
    /// The client's address changes (a new UDP socket on a new port, or a new TCP connection), keeping ICE credentials,
    /// DTLS keys and SRTP contexts: what a network change looks like to the server.
    /// </summary>
    public void Rebind()
    {
        var old = _socket;
        var socket = _tcp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Connect(_server);
        _socket = socket;
        old.Dispose();
    }

    /// <summary>Raw bytes on the TCP connection, unframed (bad framing for tests).</summary>
    public void SendStreamBytes(ReadOnlySpan<byte> bytes) => _socket.Send(bytes);

    /// <summary>ICE-TCP: true once the server closed the connection (read end), within the timeout.</summary>
    public bool WaitClosed(int timeoutMillis)
    {
        long deadline = Environment.TickCount64 + timeoutMillis;
        var scratch = new byte[4096];
        while (Environment.TickCount64 < deadline)
        {
            int wait = (int)Math.Max(1, deadline - Environment.TickCount64);
            if (!_socket.Poll(wait * 1000, SelectMode.SelectRead)) continue;
            try
            {
                if (_socket.Receive(scratch) == 0) return true;
            }
            catch (SocketException)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The next SRTP (or SRTCP) packet from the server, unprotected; other datagrams (DTLS retransmissions, STUN) are skipped.
    /// Null on timeout or when what came does not authenticate (<paramref name="failures"/> counts those).
    /// </summary>
    public byte[]? ReceiveMedia(int timeoutMillis, bool rtcp = false) => ReceiveMedia(timeoutMillis, rtcp, out _);

    public byte[]? ReceiveMedia(int timeoutMillis, bool rtcp, out int failures)
    {
        failures = 0;
        var inbound = _inbound ?? throw new InvalidOperationException("Not connected.");
        long deadline = Environment.TickCount64 + timeoutMillis;
        while (ReceiveRaw((int)Math.Max(0, deadline - Environment.TickCount64)) is int n and >= 0)
        {
            var kind = PacketClassifier.Classify(_receive.AsSpan(0, n));
            if (kind != (rtcp ? PacketKind.Rtcp : PacketKind.Rtp)) continue;
            bool ok = rtcp
                ? inbound.TryUnprotectRtcp(_receive, n, out int length, out _)
                : inbound.TryUnprotectRtp(_receive, n, out length, out _);
            if (ok) return _receive[..length];
            failures++;
        }
        return null;
    }

    /// <summary>Reads one datagram (or one ICE-TCP frame's packet) into the receive buffer; -1 on timeout.</summary>
    private int ReceiveRaw(int timeoutMillis)
    {
        if (_tcp) return ReceiveFrame(timeoutMillis);
        if (timeoutMillis <= 0 || !_socket.Poll(timeoutMillis * 1000L > int.MaxValue ? int.MaxValue : timeoutMillis * 1000, SelectMode.SelectRead)) return -1;
        try
        {
            return _socket.Receive(_receive);
        }
        catch (SocketException)
        {
            return -1;
        }
    }

    private int ReceiveFrame(int timeoutMillis)
    {
        if (timeoutMillis <= 0 || !_socket.Poll(timeoutMillis * 1000L > int.MaxValue ? int.MaxValue : timeoutMillis * 1000, SelectMode.SelectRead)) return -1;
        if (!ReadExactly(_receive.AsSpan(0, 2))) return -1;
        int length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_receive);
        return ReadExactly(_receive.AsSpan(0, length)) ? length : -1;
    }

    private bool ReadExactly(Span<byte> into)
    {
        _socket.ReceiveTimeout = 5000;
        try
        {
            while (!into.IsEmpty)
            {
                int n = _socket.Receive(into);
                if (n == 0) return false;
                into = into[n..];
            }
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A plain RTP packet (RFC 3550 §5.1): V=2, the given PT, sequence, timestamp and SSRC, random payload.</summary>
    public static byte[] RtpPacket(ushort sequence, uint ssrc = 0x1234_5678, int payloadLength = 200, byte payloadType = 96)
    {
        var packet = new byte[12 + payloadLength];
        packet[0] = 0x80;
        packet[1] = payloadType;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequence * 3000u);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        RandomNumberGenerator.Fill(packet.AsSpan(12));
        return packet;
    }

    /// <summary>A receiver report with no blocks (RFC 3550 §6.4.2): the smallest valid RTCP compound packet.</summary>
    public static byte[] RtcpReceiverReport(uint ssrc = 0x0BAD_CAFE)
    {
        var packet = new byte[8];
        packet[0] = 0x80;
        packet[1] = 201;
        packet[3] = 1; // length in 32-bit words minus one
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        return packet;
    }

    // DatagramTransport for BouncyCastle's DTLS client: the same socket.
    public int GetReceiveLimit() => 4096;

    public int GetSendLimit() => 1200;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        long deadline = Environment.TickCount64 + Math.Max(1, waitMillis);
        while (ReceiveRaw((int)Math.Max(0, deadline - Environment.TickCount64)) is int n and >= 0)
        {
            if (PacketClassifier.Classify(_receive.AsSpan(0, n)) != PacketKind.Dtls) continue; // a late STUN answer
            int copied = Math.Min(n, buffer.Length);
            _receive.AsSpan(0, copied).CopyTo(buffer);
            return copied;
        }
        return -1;
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer) => SendRaw(buffer);

    public void Close()
    {
    }

    public void Dispose()
    {
        _socket.Dispose();
        _outbound?.Dispose();
        _inbound?.Dispose();
    }
}
