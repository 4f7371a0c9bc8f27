using System.Net;
using Confer.Transport.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Transport.Tests.Streams;

/// <summary>
/// The guard's own bookkeeping, on a <see cref="FakeTimeProvider"/>: what counts as one source, the deadlines of each
/// phase, and places freed when connections end. (Real sockets on both transports: Confer.Turn.Tests' StreamGuardTests.)
/// </summary>
public sealed class StreamConnectionGuardTests
{
    [Fact]
    public void Sources_IPv4MappedIsIPv4_AndIPv6IsCountedPer64()
    {
        using var guard = new StreamConnectionGuard(new TransportOptions { MaxConnectionsPerSource = 2 });
        Assert.NotNull(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 1), tls: false));
        Assert.NotNull(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.7"), 2), tls: false));
        Assert.Null(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 3), tls: false));
        Assert.NotNull(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.8"), 3), tls: false));

        Assert.NotNull(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("2001:db8:1:2::1"), 1), tls: false));
        Assert.NotNull(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("2001:db8:1:2:ffff::9"), 1), tls: false));
        Assert.Null(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("2001:db8:1:2:abcd::1"), 1), tls: false)); // same /64
        Assert.NotNull(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("2001:db8:1:3::1"), 1), tls: false));
        Assert.Equal(2, guard.Metrics.RefusedCount("per_source"));
    }

    [Fact]
    public void Deadlines_EachPhase_ClosesForItsReason()
    {
        var time = new FakeTimeProvider();
        using var guard = new StreamConnectionGuard(new TransportOptions
        {
            HandshakeTimeout = TimeSpan.FromSeconds(2), AuthTimeout = TimeSpan.FromSeconds(10),
            StallTimeout = TimeSpan.FromSeconds(5), IdleTimeout = TimeSpan.FromSeconds(30),
        }, time);
        var closed = new List<string>();
        GuardedConnection Admit(bool tls)
        {
            var c = guard.TryAdmit(new IPEndPoint(IPAddress.Loopback, 1), tls)!;
            c.Bind(() => closed.Add(c.ClosedFor!));
            return c;
        }
        var handshaking = Admit(tls: true);
        var unauthenticated = Admit(tls: false);
        var stalled = Admit(tls: false);
        stalled.MarkAuthenticated();
        var idle = Admit(tls: false);
        idle.MarkAuthenticated();
        var busy = Admit(tls: false);
        busy.MarkAuthenticated();

        time.Advance(TimeSpan.FromSeconds(1));
        stalled.FrameProgress(incomplete: true, completedOne: false);
        idle.MarkIdle();
        time.Advance(TimeSpan.FromSeconds(1.5));
        guard.Sweep();
        Assert.Equal(["handshake_timeout"], closed);

        time.Advance(TimeSpan.FromSeconds(4));  // 6.5 s: the frame begun at 1 s is 5.5 s old
        guard.Sweep();
        Assert.Equal(["handshake_timeout", "stall"], closed);

        time.Advance(TimeSpan.FromSeconds(4));  // 10.5 s
        guard.Sweep();
        Assert.Equal(["handshake_timeout", "stall", "auth_timeout"], closed);

        time.Advance(TimeSpan.FromSeconds(21)); // 31.5 s: idle since 1 s
        guard.Sweep();
        Assert.Equal(["handshake_timeout", "stall", "auth_timeout", "idle"], closed);
        Assert.Equal(1, guard.Metrics.ClosedCount("idle"));

        foreach (var c in new[] { handshaking, unauthenticated, stalled, idle }) c.Dispose();
        Assert.Equal(1, guard.Open); // the busy one: authenticated, nothing incomplete
        busy.Dispose();
        busy.Dispose();
        Assert.Equal(0, guard.Open);
    }

    [Fact]
    public void TotalCap_EvictsTheOldestUnauthenticated_ThenRefusesWhenAllAreAuthenticated()
    {
        using var guard = new StreamConnectionGuard(new TransportOptions { MaxConnections = 2 });
        var closed = new List<int>();
        var first = guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1), tls: false)!;
        first.Bind(() => closed.Add(1));
        var second = guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 1), tls: false)!;
        second.Bind(() => closed.Add(2));
        second.MarkAuthenticated();

        var third = guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.3"), 1), tls: false)!; // the first makes room
        Assert.Equal([1], closed);
        Assert.Equal("evicted", first.ClosedFor);
        Assert.Equal(2, guard.Open);
        first.Dispose(); // its transport ends it: counted once
        Assert.Equal(2, guard.Open);

        third.MarkAuthenticated();
        Assert.Null(guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.4"), 1), tls: false));
        Assert.Equal(1, guard.Metrics.RefusedCount("total"));

        // Evicted before its transport could say how to close it: closed as soon as it does.
        third.Dispose();
        var fourth = guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.5"), 1), tls: false)!;
        var fifth = guard.TryAdmit(new IPEndPoint(IPAddress.Parse("192.0.2.6"), 1), tls: false)!;
        Assert.NotNull(fifth);
        bool late = false;
        fourth.Bind(() => late = true);
        Assert.True(late);
    }
}
