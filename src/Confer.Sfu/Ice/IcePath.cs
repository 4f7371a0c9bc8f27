using System.Net;

namespace Confer.Sfu.Ice;

/// <summary>
/// A client 5-tuple that passed a connectivity check for a session (a valid pair, RFC 8445 §7.2.5.3.2, seen from the
/// lite side), and the way to send to it. DTLS, RTP and RTCP from this 5-tuple belong to <see cref="Session"/>.
/// Consent lasts while checks keep arriving on it (RFC 7675 §5.1).
/// </summary>
public sealed class IcePath
{
    private long _lastCheck;

    internal IcePath(IceSession session, FiveTuple tuple, IClientSink sink, SocketAddress destination, long now)
    {
        Session = session;
        Tuple = tuple;
        Sink = sink;
        Destination = destination;
        _lastCheck = now;
    }

    public IceSession Session { get; }

    public FiveTuple Tuple { get; }

    /// <summary>The socket or connection the checks came in on: answers and media go out through it.</summary>
    public IClientSink Sink { get; }

    /// <summary>The client's address (a copy; the transport's receive address is reused).</summary>
    public SocketAddress Destination { get; }

    /// <summary>True while it is the session's nominated path.</summary>
    public bool IsSelected => ReferenceEquals(Session.Selected, this);

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last valid check.</summary>
    internal long LastCheck
    {
        get => Volatile.Read(ref _lastCheck);
        set => Volatile.Write(ref _lastCheck, value);
    }

    /// <summary>Sends one datagram (or one message on an ICE-TCP connection, already framed) to the client. False when dropped.</summary>
    public bool Send(ReadOnlySpan<byte> bytes) => Sink.Send(bytes, Destination);

    /// <summary>The table let go of this path (consent expired, its session went, or another took its 5-tuple).</summary>
    internal void NotifyRemoved()
    {
        if (Sink is not IIcePathObserver observer) return;
        try
        {
            observer.OnPathRemoved(this);
        }
        catch (Exception)
        {
            // The contract says it must not throw; a table operation must not fail for it.
        }
    }

    public override string ToString() => $"{Session} via {Tuple}";
}

/// <summary>
/// A sink that wants to know when a path through it leaves the <see cref="IceSessionTable"/>: an ICE-TCP connection
/// (RFC 6544) closes once it carries no path. Called under the table's locks: return at once, never call the table back
/// on the same thread, never throw.
/// </summary>
public interface IIcePathObserver
{
    void OnPathRemoved(IcePath path);
}
