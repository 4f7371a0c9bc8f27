using Confer.Sfu.Ice;
using Microsoft.Extensions.Time.Testing;
using static Confer.Sfu.Tests.Ice.IceTest;

namespace Confer.Sfu.Tests.Ice;

public sealed class IceSessionTableTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingListener _listener = new();
    private readonly CapturingSink _sink = new();

    private IceSessionTable Table(IceOptions? options = null) => new(options ?? new IceOptions(), _time, _listener);

    private static IceCheckResult Check(IceCheckHandler handler, IceSession session, CapturingSink sink, int port, bool nominate = false) =>
        handler.Handle(ChromeCheck($"{session.LocalUfrag}:cLnT", session.Local.Password, useCandidate: nominate), Context(sink, Client(port)));

    [Fact]
    public void Consent_NoCheckFor30Seconds_SelectedPathLostAndListenerTold()
    {
        using var table = Table();
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        Check(handler, session, _sink, 40000, nominate: true);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(_listener.Lost);
        Assert.NotNull(session.Selected);

        _time.Advance(TimeSpan.FromSeconds(2)); // the sweep timer runs every second
        Assert.Same(session, Assert.Single(_listener.Lost));
        Assert.Null(session.Selected);
        Assert.False(table.TryGetPath(Context(_sink, Client(40000)).Tuple, out _));
        Assert.Equal(1, table.Count); // the session stays: its owner removes it
    }

    [Fact]
    public void Consent_ChecksEvery5Seconds_KeptForMinutes()
    {
        using var table = Table();
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        Check(handler, session, _sink, 40001, nominate: true);
        for (int i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(IceCheckResult.Success, Check(handler, session, _sink, 40001));
        }
        Assert.Empty(_listener.Lost);
        Assert.NotNull(session.Selected);
    }

    [Fact]
    public void Consent_UnselectedPathExpires_NoListenerCall()
    {
        using var table = Table();
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        Check(handler, session, _sink, 40002, nominate: true);
        Check(handler, session, _sink, 40003);
        for (int i = 0; i < 8; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            Check(handler, session, _sink, 40002); // consent checks on the selected pair only, as browsers do
        }
        Assert.Equal(1, session.PathCount);
        Assert.Empty(_listener.Lost);
        Assert.Equal(1, table.PathCount);
    }

    [Fact]
    public void Consent_ConfigurableTimeout_Honoured()
    {
        using var table = Table(new IceOptions { ConsentTimeout = TimeSpan.FromSeconds(5), SweepInterval = TimeSpan.FromMilliseconds(500) });
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        Check(handler, session, _sink, 40004, nominate: true);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(_listener.Lost);
        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Single(_listener.Lost);
    }

    [Fact]
    public void TryCreate_AtMaxSessions_Refused_AndRemoveMakesRoom()
    {
        using var table = Table(new IceOptions { MaxSessions = 3 });
        var sessions = new List<IceSession>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(table.TryCreate(null, out var s));
            sessions.Add(s);
        }
        Assert.False(table.TryCreate(null, out _));
        Assert.Equal(3, table.Count);
        Assert.True(table.Remove(sessions[0]));
        Assert.False(table.Remove(sessions[0]));
        Assert.True(table.TryCreate(null, out _));
    }

    [Fact]
    public void TryAdd_SameUfragTwice_SecondRefused()
    {
        using var table = Table();
        var credentials = IceCredentials.Generate();
        Assert.True(table.TryAdd(credentials, null, out _));
        Assert.False(table.TryAdd(credentials, null, out _));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void TryAdd_InvalidCredentials_Throws()
    {
        using var table = Table();
        Assert.Throws<ArgumentException>(() => table.TryAdd(new IceCredentials("abc", "0123456789012345678901"), null, out _));
        Assert.Throws<ArgumentException>(() => table.TryAdd(new IceCredentials("abcd", "short"), null, out _));
        Assert.Throws<ArgumentException>(() => table.TryAdd(new IceCredentials("ab:d", "0123456789012345678901"), null, out _));
    }

    [Fact]
    public void Paths_BeyondMaxPerSession_OldestUnselectedEvicted()
    {
        using var table = Table(new IceOptions { MaxPathsPerSession = 3 });
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        Check(handler, session, _sink, 41000, nominate: true); // selected: never evicted
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Check(handler, session, _sink, 41001);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Check(handler, session, _sink, 41002);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Check(handler, session, _sink, 41003);

        Assert.Equal(3, session.PathCount);
        Assert.Equal(3, table.PathCount);
        Assert.True(table.TryGetPath(Context(_sink, Client(41000)).Tuple, out _));
        Assert.False(table.TryGetPath(Context(_sink, Client(41001)).Tuple, out _));
        Assert.True(table.TryGetPath(Context(_sink, Client(41003)).Tuple, out _));
    }

    [Fact]
    public void Remove_DropsPathsWithoutListenerCall()
    {
        using var table = Table();
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        Check(handler, session, _sink, 42000, nominate: true);
        Assert.True(table.Remove(session));
        Assert.Equal(0, table.PathCount);
        Assert.Equal(0, table.Count);
        Assert.True(session.IsRemoved);
        Assert.Null(session.Selected);
        Assert.Empty(_listener.Lost);
    }

    [Fact]
    public void RemovePath_SelectedConnectionClosed_ConsentLost()
    {
        using var table = Table();
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        Check(handler, session, _sink, 42001, nominate: true);
        table.RemovePath(Context(_sink, Client(42001)).Tuple);
        Assert.Same(session, Assert.Single(_listener.Lost));
        Assert.Equal(0, session.PathCount);
    }

    [Fact]
    public void Paths_TupleMovesToANewSession_OldSessionLosesIt()
    {
        using var table = Table();
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var first));
        Assert.True(table.TryCreate("cLnT", out var second));
        Check(handler, first, _sink, 43000, nominate: true);
        Check(handler, second, _sink, 43000, nominate: true); // an ICE restart with new credentials, same client port

        Assert.True(table.TryGetPath(Context(_sink, Client(43000)).Tuple, out var path));
        Assert.Same(second, path.Session);
        Assert.Same(first, Assert.Single(_listener.Lost));
        Assert.Equal(0, first.PathCount);
        Assert.Equal(1, table.PathCount);
    }

    [Fact]
    public void Paths_ConcurrentChecksOnManyTuples_TableStaysConsistent()
    {
        using var table = Table(new IceOptions { MaxPathsPerSession = 4 });
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var session));
        var request = ChromeCheck($"{session.LocalUfrag}:cLnT", session.Local.Password, useCandidate: true);
        Parallel.For(0, 4, worker =>
        {
            var sink = new CapturingSink();
            for (int i = 0; i < 500; i++) handler.Handle(request, Context(sink, Client(44000 + (i + worker) % 10)));
        });
        Assert.InRange(session.PathCount, 1, 4);
        Assert.Equal(session.PathCount, table.PathCount);
        Assert.NotNull(session.Selected);
        Assert.True(table.TryGetPath(session.Selected!.Tuple, out _));
    }

    [Fact]
    public void Options_Invalid_ConstructorSaysWhatToChange()
    {
        var e = Assert.Throws<ArgumentException>(() => new IceSessionTable(new IceOptions { ConsentTimeout = TimeSpan.Zero }, _time));
        Assert.Contains("Ice:ConsentTimeout", e.Message);
        Assert.Contains("Ice:MaxSessions", new IceOptions { MaxSessions = 0 }.Validate());
        Assert.Null(new IceOptions().Validate());
    }

    [Fact]
    public void Sweep_ListenerThrows_TimerSurvivesAndKeepsSweeping()
    {
        using var table = new IceSessionTable(new IceOptions(), _time, new ThrowingListener());
        var handler = new IceCheckHandler(table);
        Assert.True(table.TryCreate("cLnT", out var first));
        Assert.True(table.TryCreate("cLnT", out var second));
        Check(handler, first, _sink, 45000, nominate: true);
        _time.Advance(TimeSpan.FromSeconds(31)); // would end the process from a real timer if it escaped
        Assert.Null(first.Selected);
        Check(handler, second, _sink, 45001, nominate: true);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(second.Selected);
        Assert.Equal(0, table.PathCount);
    }

    private sealed class ThrowingListener : IIceSessionListener
    {
        public void OnSelected(IceSession session, IcePath path) { }
        public void OnConsentLost(IceSession session) => throw new InvalidOperationException("listener bug");
    }
}
