using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Sfu.Srtp;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Transport.Classification;
using Org.BouncyCastle.Tls;

namespace Confer.Bench.Sfu.Rtc;

/// <summary>
/// One peer connection of the load client on one UDP socket: ICE (checks of its own, controlling or controlled, and
/// answers to the server's checks: Confer is ICE-lite and only answers, Janus is full ICE and checks too; RFC 8445
/// §7.2-7.3), the DTLS client handshake (RFC 5764 §4) and SRTP both ways with Confer's own SRTP code. Receiving runs
/// on an awaited receive loop; sending is done by the one <see cref="MediaPump"/> thread.
/// </summary>
internal sealed class MediaPeer : DatagramTransport, IDisposable
{
    private readonly Socket _socket;
    private readonly DtlsCertificate _certificate;
    private readonly Channel<byte[]> _dtls = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ulong _tieBreaker = (ulong)Random.Shared.NextInt64();
    private readonly byte[] _send = new byte[1500];
    private TransactionId _pending;
    private string _remoteUfrag = "", _remotePassword = "";
    private DtlsFingerprint? _remoteFingerprint;
    private volatile IPEndPoint? _remote;
    private SrtpSession? _outbound;
    private volatile SrtpSession? _inbound;
    private volatile bool _closed;

    public MediaPeer(IPAddress address, DtlsCertificate certificate, bool controlling, ReceiveStats? stats = null)
    {
        _certificate = certificate;
        Controlling = controlling;
        Stats = stats;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, SendBufferSize = 1 << 20 };
        _socket.Bind(new IPEndPoint(address, 0));
        _ = Task.Run(ReceiveLoopAsync);
    }

    public IceCredentials Local { get; } = IceCredentials.Generate();
    public bool Controlling { get; }
    public string Fingerprint => _certificate.Fingerprint.ToString();
    public string CandidateLine => IceCandidate.HostUdp(((IPEndPoint)_socket.LocalEndPoint!).Address, ((IPEndPoint)_socket.LocalEndPoint!).Port).ToSdpLine();
    public bool Connected => _outbound is not null;

    /// <summary>What a subscriber peer counts; null for a publisher's.</summary>
    public ReceiveStats? Stats { get; }

    /// <summary>Called (on the receive loop) when the server asks for a key frame (RTCP PLI or FIR).</summary>
    public Action? KeyframeRequested { get; set; }

    public void SetRemote(string ufrag, string password, DtlsFingerprint fingerprint, IPEndPoint candidate)
    {
        _remoteUfrag = ufrag;
        _remotePassword = password;
        _remoteFingerprint = fingerprint;
        _remote ??= candidate;
    }

    /// <summary>ICE checks every 50 ms until one is answered, then the DTLS handshake (under <paramref name="handshakes"/>).</summary>
    public async Task ConnectAsync(SemaphoreSlim handshakes, CancellationToken cancel)
    {
        for (int i = 0; i < 400 && !_answered.Task.IsCompleted; i++)
        {
            SendCheck();
            await Task.WhenAny(_answered.Task, Task.Delay(50, cancel));
        }
        if (!_answered.Task.IsCompleted) throw new TimeoutException("no answer to 400 ICE checks");
        await handshakes.WaitAsync(cancel);
        try
        {
            await Task.Run(Handshake, cancel);
        }
        finally
        {
            handshakes.Release();
        }
    }

    private void Handshake()
    {
        var client = new BenchDtlsClient(_certificate, _remoteFingerprint ?? throw new InvalidOperationException("no remote fingerprint"));
        new DtlsClientProtocol().Connect(client, this);
        if (client.Exported is not { } exported || !DtlsSrtpKeys.TrySplit(exported.Profile, exported.Material, out var keys)
            || !keys!.TryCreateMasterKeys(out var mine, out var theirs))
            throw new InvalidOperationException("the DTLS handshake exported no SRTP keys");
        _inbound = new SrtpSession(theirs, SrtpDirection.Unprotect);
        _outbound = new SrtpSession(mine, SrtpDirection.Protect);
    }

    /// <summary>An ICE check (RFC 8445 §7.2.2): also the consent refresh (RFC 7675) when sent again later.</summary>
    public void SendCheck()
    {
        if (_remote is not { } remote || _remoteUfrag.Length == 0) return;
        var id = TransactionId.New();
        _pending = id;
        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        writer.AddUsername($"{_remoteUfrag}:{Local.Ufrag}");
        if (Controlling)
        {
            writer.AddIceControlling(_tieBreaker);
            writer.AddUseCandidate();
        }
        else
        {
            writer.AddIceControlled(_tieBreaker);
        }
        writer.AddPriority(IceCandidate.ComputePriority(IceCandidate.HostTypePreference, 65535, 1));
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(_remotePassword));
        writer.AddFingerprint();
        Send(writer.Written, remote);
    }

    /// <summary>Protects and sends one RTP (or RTCP) packet; only the pump thread calls it.</summary>
    public void SendMedia(ReadOnlySpan<byte> plain, bool rtcp = false)
    {
        if (_outbound is not { } outbound || _remote is not { } remote) return;
        plain.CopyTo(_send);
        bool ok = rtcp ? outbound.TryProtectRtcp(_send, plain.Length, out int length, out _) : outbound.TryProtectRtp(_send, plain.Length, out length, out _);
        if (ok) Send(_send.AsSpan(0, length), remote);
    }

    private void Send(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, to);
        }
        catch (SocketException)
        {
            // A full send buffer drops the packet, as a browser's would.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(2048, pinned: true);
        var from = new SocketAddress(AddressFamily.InterNetwork);
        while (!_closed)
        {
            int n;
            try
            {
                n = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_closed) return;
                continue;
            }
            OnDatagram(buffer.AsSpan(0, n), from);
        }
    }

    private void OnDatagram(Span<byte> datagram, SocketAddress from)
    {
        switch (PacketClassifier.Classify(datagram))
        {
            case PacketKind.Rtp:
                if (Stats is not null && _inbound is { } inbound) Stats.OnRtp(datagram, inbound);
                break;
            case PacketKind.Rtcp:
                if (KeyframeRequested is not null && _inbound is { } rtcpKeys && rtcpKeys.TryUnprotectRtcp(datagram, datagram.Length, out int plain, out _)
                    && RtcpScan.AsksForKeyframe(datagram[..plain]))
                    KeyframeRequested();
                break;
            case PacketKind.Dtls:
                _dtls.Writer.TryWrite(datagram.ToArray());
                break;
            case PacketKind.Stun:
                OnStun(datagram, from);
                break;
        }
    }

    private void OnStun(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        if (!StunMessage.TryRead(datagram, out var message, out _)) return;
        if (message.Type == StunMessageType.BindingSuccess)
        {
            if (message.TransactionId == _pending) _answered.TrySetResult();
            return;
        }
        if (message.Type != StunMessageType.BindingRequest) return;
        // The server's own check (full ICE): answer it (RFC 8445 §7.3.1.1), and follow its nomination when controlled.
        var source = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(from);
        if (_remote is null || (!Controlling && message.HasAttribute(StunAttributeType.UseCandidate))) _remote = source;
        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, message.TransactionId);
        writer.AddXorAddress(StunAttributeType.XorMappedAddress, source);
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(Local.Password));
        writer.AddFingerprint();
        Send(writer.Written, source);
    }

    // DatagramTransport for BouncyCastle: DTLS records from the receive loop's queue; sends go to the selected address.
    public int GetReceiveLimit() => 1500;

    public int GetSendLimit() => 1200;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (!_dtls.Reader.TryRead(out var record))
        {
            using var timeout = new CancellationTokenSource(Math.Max(1, waitMillis));
            try
            {
                if (!_dtls.Reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult() || !_dtls.Reader.TryRead(out record)) return -1;
            }
            catch (OperationCanceledException)
            {
                return -1;
            }
        }
        int length = Math.Min(record.Length, buffer.Length);
        record.AsSpan(0, length).CopyTo(buffer);
        return length;
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (_remote is { } remote) Send(buffer, remote);
    }

    public void Close()
    {
    }

    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
        _outbound?.Dispose();
        _inbound?.Dispose();
    }
}
