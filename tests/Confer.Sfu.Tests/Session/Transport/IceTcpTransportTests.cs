using System.Buffers.Binary;
using System.Diagnostics;
using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>
/// ICE-TCP (RFC 6544) end to end on real loopback TCP: the C# client checks, handshakes DTLS and exchanges SRTP over one
/// framed connection (RFC 4571) exactly as over UDP; the connection closes on consent loss, when its transport goes and
/// on bad framing; a client that does not read costs drops, never a blocked sender; the send path allocates nothing.
/// </summary>
public sealed class IceTcpTransportTests(ITestOutputHelper output)
{
    [Fact]
    public void Connect_OverTcp_DtlsAndSrtpFlowBothWays()
    {
        using var harness = new TransportHarness();
        var receiver = new RecordingReceiver();
        var (transport, client) = harness.Connect(receiver: receiver, tcp: true);
        Assert.Equal(ClientTransport.Tcp, transport.IceSession.Selected!.Tuple.Transport);

        var plain = SfuTestClient.RtpPacket(5, payloadLength: 1100);
        client.SendMedia(plain);
        client.SendMedia(SfuTestClient.RtcpReceiverReport(), rtcp: true);
        TransportHarness.WaitFor(() => receiver.Rtp.Count == 1 && receiver.Rtcp.Count == 1, "RTP and RTCP over ICE-TCP");
        Assert.True(receiver.Rtp.TryPeek(out var got));
        Assert.Equal(plain, got);

        var down = SfuTestClient.RtpPacket(9, ssrc: 0x4242_4242, payloadLength: 1100);
        var buffer = new byte[down.Length + IRtpPacketSender.ProtectionHeadroom];
        down.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, down.Length));
        Assert.Equal(down, client.ReceiveMedia(3000));
        Assert.Equal(0, transport.DecryptFailures);
        Assert.Equal(0, harness.TcpServer.Faults);
    }

    [Fact]
    public void ConsentLost_ClosesTheConnection_AndANewConnectionRecovers()
    {
        var clock = new FakeTimeProvider();
        using var harness = new TransportHarness(iceTime: clock);
        var (transport, client) = harness.Connect(tcp: true);
        clock.Advance(TimeSpan.FromSeconds(31)); // past IceOptions.ConsentTimeout without a check (RFC 7675 §5.1)
        Assert.Equal(1, harness.Table.Sweep());
        Assert.Equal(MediaTransportState.Disconnected, transport.State);
        Assert.True(client.WaitClosed(5000), "the connection outlived its consent");
        TransportHarness.WaitFor(() => harness.TcpServer.Connections.All(c => c.IsClosed), "server side closed");

        // A new connection, checked and nominated, carries the same DTLS/SRTP on.
        client.Rebind();
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        Assert.Equal(MediaTransportState.Connected, transport.State);
        var plain = SfuTestClient.RtpPacket(3);
        var buffer = new byte[plain.Length + IRtpPacketSender.ProtectionHeadroom];
        plain.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, plain.Length));
        Assert.Equal(plain, client.ReceiveMedia(3000));
    }

    [Fact]
    public void TransportDisposed_ClosesTheConnection()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect(tcp: true);
        transport.Dispose();
        Assert.True(client.WaitClosed(5000), "the connection outlived its transport");
        Assert.Equal(0, harness.Table.PathCount);
    }

    [Fact]
    public void ClientCloses_PathGoes_TransportLosesConsent()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect(tcp: true);
        client.Dispose();
        TransportHarness.WaitFor(() => harness.Table.PathCount == 0, "path removed with the connection");
        Assert.Equal(MediaTransportState.Disconnected, transport.State);
    }

    public static TheoryData<string> BadInputs => new() { "zero-length", "oversize", "unknown-ufrag", "media-first", "garbage" };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadFramingOrStrangers_AreClosed_NoFault(string what)
    {
        using var harness = new TransportHarness();
        var client = harness.NewClient(tcp: true);
        Assert.True(harness.Transports.TryCreate(client.Fingerprint, client.Ufrag, out var transport));
        if (what is "zero-length" or "oversize") Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        switch (what)
        {
            case "zero-length": client.SendStreamBytes([0, 0, 1, 2, 3]); break;
            case "oversize": client.SendStreamBytes([0xFF, 0xFF, .. new byte[64]]); break;
            case "unknown-ufrag": Assert.False(client.Check("nobodyXX", transport.IcePwd, timeoutMillis: 300)); break;
            case "media-first": client.SendRaw(SfuTestClient.RtpPacket(1)); break;
            default: client.SendStreamBytes([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]); break;
        }
        Assert.True(client.WaitClosed(5000), $"{what}: still open");
        TransportHarness.WaitFor(() => harness.Table.PathCount == 0, "no path left");
        Assert.Equal(0, harness.TcpServer.Faults);
    }

    [Fact]
    public void ClientThatDoesNotRead_DropsMedia_SenderNeverBlocks()
    {
        using var harness = new TransportHarness(tcpLimits: new IceTcpLimits { MaxQueuedPackets = 32, MaxQueuedBytes = 16 * 1024 });
        var (transport, _) = harness.Connect(profiles: [DtlsSrtpProfile.AeadAes128Gcm], tcp: true);
        var connection = Assert.Single(harness.TcpServer.Connections);
        var template = SfuTestClient.RtpPacket(0, payloadLength: 1100);
        var buffer = new byte[template.Length + IRtpPacketSender.ProtectionHeadroom];
        var clock = Stopwatch.StartNew();
        long slowest = 0;
        int sent = 0, dropped = 0;
        for (int i = 0; i < 40_000 && clock.ElapsedMilliseconds < 10_000; i++)
        {
            template.CopyTo(buffer, 0);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)i);
            long t0 = Stopwatch.GetTimestamp();
            if (transport.SendRtp(buffer, template.Length)) sent++;
            else dropped++;
            slowest = Math.Max(slowest, Stopwatch.GetTimestamp() - t0);
        }
        double slowestMs = slowest * 1000.0 / Stopwatch.Frequency;
        output.WriteLine($"sent {sent}, dropped {dropped}, slowest send {slowestMs:N2} ms, connection drops {connection.Dropped}");
        Assert.True(dropped > 0, "a client that never reads must cost drops");
        Assert.True(connection.Dropped >= dropped);
        Assert.InRange(slowestMs, 0, 200); // never waits on the socket (a GC pause is the most a send may see)
    }

    [Fact]
    public void SendRtp_OverTcp_AfterWarmUp_AllocatesNothing()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect(profiles: [DtlsSrtpProfile.AeadAes128Gcm], tcp: true);
        var template = SfuTestClient.RtpPacket(0, payloadLength: 1100);
        var buffer = new byte[template.Length + IRtpPacketSender.ProtectionHeadroom];
        ushort seq = 0;
        void SendOne()
        {
            template.CopyTo(buffer, 0);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), ++seq);
            transport.SendRtp(buffer, template.Length);
        }
        // The client reads what comes (so the server's queue never fills) until the test ends; it must stop before the
        // harness disposes the client's socket, else its receive throws on a thread nobody catches.
        var stop = new CancellationTokenSource();
        var drain = new Thread(() =>
        {
            try { while (!stop.IsCancellationRequested && client.ReceiveMedia(500) is not null) { } }
            catch (Exception e) when (e is ObjectDisposedException or System.Net.Sockets.SocketException) { }
        }) { IsBackground = true };
        drain.Start();
        try
        {
            for (int i = 0; i < 3000; i++)
            {
                SendOne();
                if (i % 64 == 0) Thread.Sleep(1);
            }
            Thread.Sleep(200);
            long allocated = 0;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 2000; i++) SendOne();
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated == 0) break;
                Thread.Sleep(50);
            }
            output.WriteLine($"ICE-TCP send: {allocated} bytes allocated over 2000 packets");
            Assert.Equal(0, allocated);
        }
        finally
        {
            stop.Cancel();
            drain.Join(TimeSpan.FromSeconds(5));
            stop.Dispose();
        }
    }

    [Fact]
    public void Probe_TellsIceTcpFromTurnOverTcp()
    {
        using var harness = new TransportHarness();
        var ice = new IceCheckHandler(harness.Table);
        Assert.True(harness.Table.TryCreate("cLnT", out var session));
        var check = Confer.Sfu.Tests.Ice.IceTest.ChromeCheck(session.LocalUfrag + ":cLnT", session.Local.Password);
        var framed = new byte[2 + check.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)check.Length);
        check.CopyTo(framed, 2);
        Assert.Equal(IceTcpProbe.Yes, IceTcpConnection.Probe(new(framed), ice));
        Assert.Equal(IceTcpProbe.NeedMore, IceTcpConnection.Probe(new(framed.AsMemory(0, 30)), ice));
        Assert.Equal(IceTcpProbe.NeedMore, IceTcpConnection.Probe(new(framed.AsMemory(0, 1)), ice));
        Assert.Equal(IceTcpProbe.No, IceTcpConnection.Probe(new(check), ice)); // STUN at byte 0: TURN over TCP
        var stranger = Confer.Sfu.Tests.Ice.IceTest.ChromeCheck("nobodyXX:cLnT", session.Local.Password);
        var framedStranger = new byte[2 + stranger.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framedStranger, (ushort)stranger.Length);
        stranger.CopyTo(framedStranger, 2);
        Assert.Equal(IceTcpProbe.No, IceTcpConnection.Probe(new(framedStranger), ice));
        Assert.Equal(IceTcpProbe.No, IceTcpConnection.Probe(new("GET / HTTP/1.1\r\n"u8.ToArray()), ice));
        Assert.Equal(IceTcpProbe.No, IceTcpConnection.Probe(new(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0, 0, 0, 0 }), ice));
    }
}
