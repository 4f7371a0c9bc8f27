using Confer.Sfu.Dtls;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Tls;
using DtlsTransport = Confer.Sfu.Dtls.DtlsTransport;

namespace Confer.Sfu.Tests.Dtls;

internal static class TestCertificates
{
    public static readonly DtlsCertificate Server = DtlsCertificate.Generate(TimeProvider.System);
    public static readonly DtlsCertificate Client = DtlsCertificate.Generate(TimeProvider.System);
    public static readonly DtlsCertificate Stranger = DtlsCertificate.Generate(TimeProvider.System);
}

public sealed class DtlsTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(new[] { 0x0007, 0x0001 }, 0x0007)]
    [InlineData(new[] { 0x0001, 0x0007 }, 0x0007)] // the server's preference wins
    [InlineData(new[] { 0x0001 }, 0x0001)]
    [InlineData(new[] { 0x0007 }, 0x0007)]
    [InlineData(new[] { 0x0002, 0x0001 }, 0x0001)] // SHA1_32 is not taken
    public async Task HandshakeAsync_InMemoryClient_BothSidesAgreeOnSrtpKeys(int[] offered, int expectedProfile)
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, offered);

        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        var clientTransport = await pipe.ConnectClientAsync(client).WaitAsync(Bound);
        var keys = await serverKeys.WaitAsync(Bound);

        Assert.Equal(expectedProfile, keys.ProfileId);
        Assert.Equal(expectedProfile, client.SelectedProfile);
        Assert.True(client.ExtendedMasterSecret);
        Assert.Equal(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, client.CipherSuite);
        Assert.Equal(client.Material, keys.ToMaterial());
        DtlsSrtpProfile.TryGetLengths(keys.ProfileId, out int keyLength, out int saltLength);
        Assert.Equal(keyLength, keys.ClientKey.Length);
        Assert.Equal(keyLength, keys.ServerKey.Length);
        Assert.Equal(saltLength, keys.ClientSalt.Length);
        Assert.Equal(saltLength, keys.ServerSalt.Length);
        Assert.NotEqual(keys.ClientKey, keys.ServerKey);
        Assert.Equal(DtlsTransportState.Connected, pipe.Server.State);
        clientTransport.Close();
    }

    [Fact]
    public async Task HandshakeAsync_WrongClientFingerprint_FailsWithFingerprintMismatch()
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007]);

        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Stranger.Fingerprint);
        var clientTask = pipe.ConnectClientAsync(client);

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => serverKeys.WaitAsync(Bound));
        Assert.Equal(DtlsHandshakeError.FingerprintMismatch, error.Error);
        Assert.Equal(AlertDescription.bad_certificate, error.Alert);
        Assert.Equal(DtlsTransportState.Failed, pipe.Server.State);
        // The client hears the fatal alert instead of hanging.
        var clientError = await Assert.ThrowsAnyAsync<Exception>(() => clientTask.WaitAsync(Bound));
        Assert.IsAssignableFrom<TlsFatalAlertReceived>(clientError);
        await WaitUntilAsync(() => !pipe.Server.IsThreadAlive);
    }

    [Fact]
    public async Task HandshakeAsync_ClientWithoutCertificate_FailsWithNoClientCertificate()
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007], sendCertificate: false);

        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        _ = pipe.ConnectClientAsync(client);

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => serverKeys.WaitAsync(Bound));
        Assert.Equal(DtlsHandshakeError.NoClientCertificate, error.Error);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0x0002 })]
    public async Task HandshakeAsync_NoCommonSrtpProfile_FailsWithNoCommonSrtpProfile(int[] offered)
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, offered);

        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        _ = pipe.ConnectClientAsync(client);

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => serverKeys.WaitAsync(Bound));
        Assert.Equal(DtlsHandshakeError.NoCommonSrtpProfile, error.Error);
    }

    [Fact]
    public async Task HandshakeAsync_FirstFlightsLost_RetransmissionCompletes()
    {
        // Lose the client's first ClientHello and the server's first flight: both sides must retransmit (RFC 6347 §4.2.4).
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server)
        {
            DropFromClient = (n, _) => n == 0,
            DropFromServer = (n, _) => n == 0,
        };
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007]);

        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        await pipe.ConnectClientAsync(client).WaitAsync(Bound);
        var keys = await serverKeys.WaitAsync(Bound);

        Assert.Equal(client.Material, keys.ToMaterial());
    }

    [Fact]
    public async Task HandshakeAsync_ServerFinishedLost_ClientRetransmitsAndServerAnswers()
    {
        // Lose the server's final flight (ChangeCipherSpec, then Finished in epoch 1) once. The server has its keys
        // already; the client retransmits its final flight and the server, still reading, must resend its own.
        int droppedCcs = 0, droppedFinished = 0;
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server)
        {
            DropFromServer = (_, d) =>
                (d[0] == 20 && Interlocked.Exchange(ref droppedCcs, 1) == 0)
                || (d[0] == 22 && d[3] == 0 && d[4] == 1 && Interlocked.Exchange(ref droppedFinished, 1) == 0),
        };
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007]);

        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        var clientTask = pipe.ConnectClientAsync(client);
        var keys = await serverKeys.WaitAsync(Bound);
        await clientTask.WaitAsync(Bound);

        Assert.Equal(1, droppedCcs);
        Assert.Equal(1, droppedFinished);
        Assert.Equal(client.Material, keys.ToMaterial());
    }

    [Fact]
    public async Task Client_CloseNotifyAfterHandshake_TransportClosesAndThreadEnds()
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0001]);
        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        var clientTransport = await pipe.ConnectClientAsync(client).WaitAsync(Bound);
        await serverKeys.WaitAsync(Bound);

        // Application data (future SCTP) is read and discarded, never an error.
        clientTransport.Send([1, 2, 3], 0, 3);
        await WaitUntilAsync(() => pipe.Server.ApplicationRecordsDiscarded == 1);
        clientTransport.Close(); // close_notify

        await WaitUntilAsync(() => pipe.Server.State == DtlsTransportState.Closed && !pipe.Server.IsThreadAlive);
        Assert.Equal(0, pipe.Server.QueuedDatagrams);
    }

    [Fact]
    public async Task Serve_NoDatagramsForLinger_ThreadEndsAndLaterDatagramsAreIgnored()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server, new DtlsSettings { PostHandshakeLinger = TimeSpan.FromSeconds(5) }, time);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007]);
        var serverKeys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        var clientTransport = await pipe.ConnectClientAsync(client).WaitAsync(Bound);
        await serverKeys.WaitAsync(Bound);
        Assert.True(pipe.Server.IsThreadAlive);

        time.Advance(TimeSpan.FromSeconds(6));
        await WaitUntilAsync(() => !pipe.Server.IsThreadAlive);

        Assert.Equal(DtlsTransportState.Connected, pipe.Server.State);
        clientTransport.Send([1, 2, 3], 0, 3);
        Assert.Equal(1, pipe.Server.IgnoredDatagrams);
    }

    [Fact]
    public async Task HandshakeAsync_DeadlineOnTimeProvider_FailsWithTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var transport = new DtlsTransport(TestCertificates.Server, new NullSender(), new DtlsSettings { HandshakeTimeout = TimeSpan.FromSeconds(10) }, time);
        var handshake = transport.HandshakeAsync(TestCertificates.Client.Fingerprint);
        Assert.False(handshake.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(DtlsHandshakeError.Timeout, error.Error);
        await WaitUntilAsync(() => !transport.IsThreadAlive);
    }

    [Fact]
    public async Task Dispose_DuringHandshake_ThreadEndsQueueDrainedTaskFails()
    {
        var sender = new NullSender();
        var transport = new DtlsTransport(TestCertificates.Server, sender);
        var handshake = transport.HandshakeAsync(TestCertificates.Client.Fingerprint);
        // A real ClientHello starts the handshake; then more datagrams wait in the queue.
        var hello = await CaptureClientHelloAsync();
        transport.OnDatagram(hello);
        await WaitUntilAsync(() => sender.Count > 0);
        for (int i = 0; i < 5; i++)
        {
            transport.OnDatagram(hello);
        }

        transport.Dispose();

        Assert.False(transport.IsThreadAlive);
        Assert.Equal(0, transport.QueuedDatagrams);
        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Bound));
        Assert.Equal(DtlsHandshakeError.Disposed, error.Error);
        transport.OnDatagram(hello); // after disposal: ignored, no throw
        Assert.Equal(1, transport.IgnoredDatagrams);
    }

    [Fact]
    public async Task HandshakeAsync_SenderThrows_FailsWithInternalNotCrash()
    {
        using var transport = new DtlsTransport(TestCertificates.Server, new ThrowingSender());
        var handshake = transport.HandshakeAsync(TestCertificates.Client.Fingerprint);
        transport.OnDatagram(await CaptureClientHelloAsync());

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Bound));
        Assert.Equal(DtlsHandshakeError.Internal, error.Error);
        await WaitUntilAsync(() => !transport.IsThreadAlive);
    }

    [Fact]
    public async Task HandshakeAsync_TruncatedClientHello_FailsAsProtocolErrorOrTimeout()
    {
        var hello = await CaptureClientHelloAsync();
        using var transport = new DtlsTransport(TestCertificates.Server, new NullSender(), new DtlsSettings { HandshakeTimeout = TimeSpan.FromMilliseconds(500) });
        var handshake = transport.HandshakeAsync(TestCertificates.Client.Fingerprint);
        // Shorten the record and its length fields consistently but cut the body: a malformed message, never a crash.
        var cut = hello[..(hello.Length - 20)];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(11), (ushort)(cut.Length - 13));
        transport.OnDatagram(cut);

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Bound));
        Assert.Contains(error.Error, new[] { DtlsHandshakeError.ProtocolError, DtlsHandshakeError.Timeout });
    }

    [Fact]
    public async Task HandshakeAsync_CallerCancels_TaskCancelledThreadEnds()
    {
        using var transport = new DtlsTransport(TestCertificates.Server, new NullSender());
        using var cts = new CancellationTokenSource();
        var handshake = transport.HandshakeAsync(TestCertificates.Client.Fingerprint, cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handshake.WaitAsync(Bound));
        await WaitUntilAsync(() => !transport.IsThreadAlive);
    }

    [Fact]
    public void HandshakeAsync_CalledTwice_Throws()
    {
        using var transport = new DtlsTransport(TestCertificates.Server, new NullSender());
        _ = transport.HandshakeAsync(TestCertificates.Client.Fingerprint);
        Assert.Throws<InvalidOperationException>(() => { _ = transport.HandshakeAsync(TestCertificates.Client.Fingerprint); });
    }

    [Fact]
    public async Task Dispose_BeforeHandshake_TaskFailsWithDisposed()
    {
        var transport = new DtlsTransport(TestCertificates.Server, new NullSender());
        transport.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { _ = transport.HandshakeAsync(TestCertificates.Client.Fingerprint); });
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x01 })]            // STUN-range first byte (RFC 7983)
    [InlineData(new byte[] { 0x80, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // RTP
    [InlineData(new byte[] { 22, 0xFE, 0xFD })]        // DTLS type but shorter than a record header
    public void OnDatagram_NotADtlsRecord_Rejected(byte[] datagram)
    {
        using var transport = new DtlsTransport(TestCertificates.Server, new NullSender());
        transport.OnDatagram(datagram);
        Assert.Equal(1, transport.RejectedDatagrams);
        Assert.Equal(0, transport.QueuedDatagrams);
    }

    [Fact]
    public void OnDatagram_QueueFull_ExcessDroppedByCountAndBytes()
    {
        using var byCount = new DtlsTransport(TestCertificates.Server, new NullSender(), new DtlsSettings { MaxQueuedDatagrams = 4 });
        using var byBytes = new DtlsTransport(TestCertificates.Server, new NullSender(), new DtlsSettings { MaxQueuedBytes = 4096, MaxDatagramBytes = 1500 });
        var datagram = new byte[1000];
        datagram[0] = 22;
        for (int i = 0; i < 10; i++)
        {
            byCount.OnDatagram(datagram);
            byBytes.OnDatagram(datagram);
        }
        Assert.Equal(4, byCount.QueuedDatagrams);
        Assert.Equal(6, byCount.DroppedDatagrams);
        Assert.Equal(4, byBytes.QueuedDatagrams);
        Assert.Equal(6, byBytes.DroppedDatagrams);
    }

    [Fact]
    public async Task OnDatagram_AfterThreadEnded_AllocatesNothing()
    {
        var transport = new DtlsTransport(TestCertificates.Server, new NullSender());
        _ = transport.HandshakeAsync(TestCertificates.Client.Fingerprint);
        transport.Dispose();
        await Task.Yield();
        var datagram = new byte[200];
        datagram[0] = 23;
        var notDtls = new byte[200];
        notDtls[0] = 0x80;
        transport.OnDatagram(datagram);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            transport.OnDatagram(datagram);
            transport.OnDatagram(notDtls);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal static async Task<byte[]> CaptureClientHelloAsync()
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server);
        var client = new TestDtlsClient(TestCertificates.Client, null, [0x0007, 0x0001]);
        _ = pipe.ConnectClientAsync(client);
        await WaitUntilAsync(() => !pipe.ClientSent.IsEmpty);
        pipe.ClientSent.TryPeek(out var hello);
        return hello!;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(10);
        }
    }

    private sealed class ThrowingSender : IDtlsSender
    {
        public void Send(ReadOnlySpan<byte> datagram) => throw new InvalidOperationException("socket gone");
    }

    internal sealed class NullSender : IDtlsSender
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Send(ReadOnlySpan<byte> datagram) => Interlocked.Increment(ref _count);
    }
}
