using System.Collections.Concurrent;
using Confer.Sfu.Dtls;
using Org.BouncyCastle.Tls;
using BcDtlsTransport = Org.BouncyCastle.Tls.DtlsTransport;
using DtlsTransport = Confer.Sfu.Dtls.DtlsTransport;

namespace Confer.Sfu.Tests.Dtls;

/// <summary>
/// An in-memory datagram link between a <see cref="TestDtlsClient"/> (blocking, its own thread) and a
/// <see cref="DtlsTransport"/>. Optional drop rules lose chosen datagrams in either direction.
/// </summary>
internal sealed class InMemoryDtlsPipe : IDtlsSender, DatagramTransport, IDisposable
{
    private readonly BlockingCollection<byte[]> _toClient = new(boundedCapacity: 256);
    private readonly CancellationTokenSource _stop = new();
    private int _serverDatagrams;
    private int _clientDatagrams;

    public InMemoryDtlsPipe(DtlsCertificate serverCertificate, DtlsSettings? settings = null, TimeProvider? timeProvider = null)
    {
        Server = new DtlsTransport(serverCertificate, this, settings, timeProvider);
    }

    public DtlsTransport Server { get; }

    /// <summary>Every datagram the client sent, in order (copies).</summary>
    public ConcurrentQueue<byte[]> ClientSent { get; } = new();

    /// <summary>Return true to lose the n-th (0-based) datagram from the server.</summary>
    public Func<int, byte[], bool>? DropFromServer { get; init; }

    /// <summary>Return true to lose the n-th (0-based) datagram from the client.</summary>
    public Func<int, byte[], bool>? DropFromClient { get; init; }

    /// <summary>Runs the client handshake on a dedicated thread; the task ends with the BouncyCastle transport.</summary>
    public Task<BcDtlsTransport> ConnectClientAsync(TestDtlsClient client) =>
        Task.Factory.StartNew(() => new DtlsClientProtocol().Connect(client, this), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // IDtlsSender: the server's datagrams to the client.
    void IDtlsSender.Send(ReadOnlySpan<byte> datagram)
    {
        int n = Interlocked.Increment(ref _serverDatagrams) - 1;
        var copy = datagram.ToArray();
        if (DropFromServer?.Invoke(n, copy) == true || _toClient.IsAddingCompleted)
        {
            return;
        }
        _toClient.TryAdd(copy);
    }

    // DatagramTransport: the client's side.
    public int GetReceiveLimit() => 4096;

    public int GetSendLimit() => 1200;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        try
        {
            if (!_toClient.TryTake(out var datagram, waitMillis <= 0 ? Timeout.Infinite : waitMillis, _stop.Token))
            {
                return -1;
            }
            int n = Math.Min(datagram.Length, buffer.Length);
            datagram.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        catch (OperationCanceledException)
        {
            throw new IOException("pipe closed");
        }
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        int n = Interlocked.Increment(ref _clientDatagrams) - 1;
        var copy = buffer.ToArray();
        ClientSent.Enqueue(copy);
        if (DropFromClient?.Invoke(n, copy) == true)
        {
            return;
        }
        Server.OnDatagram(buffer);
    }

    public void Close()
    {
    }

    public void Dispose()
    {
        _stop.Cancel();
        _toClient.CompleteAdding();
        Server.Dispose();
    }
}
