using Org.BouncyCastle.Tls;

namespace Confer.Sfu.Dtls;

/// <summary>
/// BouncyCastle's blocking <see cref="DatagramTransport"/> over a <see cref="DatagramQueue"/> (receive side)
/// and an <see cref="IDtlsSender"/> (send side). BouncyCastle calls <see cref="Receive(Span{byte}, int)"/>
/// with the wait it needs before retransmitting (RFC 6347 §4.2.4.1); returning -1 means "nothing arrived".
/// The current cancellation token ends a wait early: the handshake deadline while handshaking,
/// then only disposal.
/// </summary>
internal sealed class QueuedDatagramTransport : DatagramTransport
{
    private readonly DatagramQueue _queue;
    private readonly IDtlsSender _sender;
    private readonly int _mtu;
    private readonly int _receiveLimit;
    private volatile bool _closed;
    private volatile bool _sendBlocked;
    private CancellationToken _cancellation;

    public QueuedDatagramTransport(DatagramQueue queue, IDtlsSender sender, int mtu, int receiveLimit)
    {
        _queue = queue;
        _sender = sender;
        _mtu = mtu;
        _receiveLimit = receiveLimit;
    }

    /// <summary>True once BouncyCastle closed the transport (close_notify seen, or the connection failed).</summary>
    public bool IsClosed => _closed;

    /// <summary>The token that ends a blocking receive; set by the owner before the DTLS thread reads.</summary>
    public CancellationToken Cancellation
    {
        get => _cancellation;
        set => _cancellation = value;
    }

    /// <summary>Stops sending (after disposal nothing more goes to the sender).</summary>
    public void BlockSends() => _sendBlocked = true;

    public int GetReceiveLimit() => _receiveLimit;

    public int GetSendLimit() => _mtu;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (_closed)
        {
            throw new ObjectDisposedException(nameof(QueuedDatagramTransport));
        }
        return _queue.Dequeue(buffer, waitMillis, _cancellation);
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (!_sendBlocked)
        {
            _sender.Send(buffer);
        }
    }

    public void Close() => _closed = true;
}
