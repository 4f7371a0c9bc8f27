using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>Creation limits, disposal that frees everything, and the DI registration.</summary>
public sealed class TransportLifetimeTests
{
    [Fact]
    public void Dispose_ManyTransportsComeAndGo_CountsBackToZeroAndDtlsThreadsEnd()
    {
        using var harness = new TransportHarness();
        for (int round = 0; round < 2; round++)
        {
            var idle = new List<MediaTransport>();
            for (int i = 0; i < 20; i++)
            {
                Assert.True(harness.Transports.TryCreate(null, null, out var t));
                idle.Add(t);
            }
            var connected = Enumerable.Range(0, 3).Select(_ => harness.Connect()).ToList();
            Assert.Equal(23, harness.Transports.Count);
            Assert.Equal(23, harness.Table.Count);
            Assert.All(connected, c => Assert.True(c.Transport.IsDtlsThreadAlive)); // lingering for retransmitted flights

            var closed = new List<MediaTransportState>();
            foreach (var (t, _) in connected) t.StateChanged += (_, s) => { lock (closed) closed.Add(s); };
            foreach (var t in idle.Concat(connected.Select(c => c.Transport)))
            {
                var session = t.IceSession;
                t.Dispose();
                t.Dispose(); // idempotent
                Assert.Null(session.Tag);
                Assert.True(session.IsRemoved);
                Assert.False(harness.Table.TryGet(t.IceUfrag, out _));
                Assert.Equal(MediaTransportState.Closed, t.State);
                Assert.False(t.IsDtlsThreadAlive);
            }
            Assert.Equal(0, harness.Transports.Count);
            Assert.Equal(0, harness.Table.Count);
            Assert.Equal(0, harness.Table.PathCount);
            lock (closed) Assert.Equal(3, closed.Count(s => s == MediaTransportState.Closed));

            // A disposed transport sends nothing, and its client's datagrams are nobody's media any more.
            var (gone, client) = connected[0];
            var buffer = new byte[300];
            SfuTestClient.RtpPacket(1).CopyTo(buffer, 0);
            Assert.False(gone.SendRtp(buffer, 212));
            long unmatched = harness.Server.Unmatched;
            client.SendMedia(SfuTestClient.RtpPacket(2));
            TransportHarness.WaitFor(() => harness.Server.Unmatched > unmatched, "stale SRTP went to TURN's side");
        }
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    [Fact]
    public void TryCreate_AtMaxTransports_FailsUntilOneIsDisposed()
    {
        using var harness = new TransportHarness(new SfuTransportOptions { MaxTransports = 3 });
        var made = new List<MediaTransport>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(harness.Transports.TryCreate(null, null, out var t));
            made.Add(t);
        }
        Assert.False(harness.Transports.TryCreate(null, null, out _));
        Assert.Equal(3, harness.Table.Count);
        made[1].Dispose();
        Assert.True(harness.Transports.TryCreate(null, null, out _));
        Assert.False(harness.Transports.TryCreate(null, null, out _));
    }

    [Fact]
    public void TryCreate_IceTableFull_FailsAndCountsStayEqual()
    {
        using var harness = new TransportHarness(ice: new IceOptions { MaxSessions = 2 });
        Assert.True(harness.Transports.TryCreate(null, null, out _));
        Assert.True(harness.Transports.TryCreate(null, null, out _));
        Assert.False(harness.Transports.TryCreate(null, null, out _));
        Assert.Equal(2, harness.Transports.Count);
    }

    [Fact]
    public void SfuTransportsDispose_DisposesEveryTransport()
    {
        var harness = new TransportHarness();
        var (connected, _) = harness.Connect();
        Assert.True(harness.Transports.TryCreate(null, null, out var idle));
        harness.Dispose();
        Assert.Equal(MediaTransportState.Closed, connected.State);
        Assert.Equal(MediaTransportState.Closed, idle.State);
        Assert.Equal(0, harness.Table.Count);
        Assert.False(harness.Transports.TryCreate(null, null, out _));
    }

    [Fact]
    public void Fingerprint_IsTheServerCertificatesInSdpForm()
    {
        using var harness = new TransportHarness();
        Assert.True(harness.Transports.TryCreate(null, "abcd", out var t));
        Assert.StartsWith("sha-256 ", t.Fingerprint);
        Assert.True(DtlsFingerprint.Parse(t.Fingerprint).Matches(TransportHarness.ServerCertificate.Fingerprint));
        Assert.True(IceCredentials.IsValidUfrag(t.IceUfrag));
        Assert.True(IceCredentials.IsValidPassword(t.IcePwd));
        Assert.Same(t, t.IceSession.Tag);
        Assert.Equal("abcd", t.IceSession.RemoteUfrag);
        Assert.Equal(MediaTransportState.New, t.State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AddConferSfuTransports_BeforeOrAfterMediaPort_SfuTransportsIsSinkAndListener(bool first)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new IceOptions());
        if (first) services.AddConferSfuTransports();
        // What AddConferMediaPort registers for these seams (src/Confer.Server/Transport/MediaPortHosting.cs).
        services.TryAddSingleton<IIceSessionListener>(NullIceSessionListener.Instance);
        services.TryAddSingleton<IMediaPacketSink, DroppingMediaPacketSink>();
        services.TryAddSingleton(sp => new IceSessionTable(sp.GetRequiredService<IceOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IIceSessionListener>(), startSweep: false));
        if (!first) services.AddConferSfuTransports();

        using var provider = services.BuildServiceProvider();
        var sink = provider.GetRequiredService<IMediaPacketSink>();
        var listener = provider.GetRequiredService<IIceSessionListener>();
        var transports = Assert.IsType<SfuTransports>(sink);
        Assert.Same(sink, listener);
        var table = provider.GetRequiredService<IceSessionTable>();
        Assert.True(transports.TryCreate(null, null, out var t));
        Assert.True(table.TryGet(t.IceUfrag, out var session));
        Assert.Same(t, session.Tag);
    }
}
