namespace Confer.Transport;

/// <summary>
/// What the protocol above tells a TCP or TLS client connection about its client, so that the transport can close
/// connections that never become useful (see <see cref="TransportOptions.AuthTimeout"/> and <see cref="TransportOptions.IdleTimeout"/>).
/// The stream sinks implement it; a handler finds it as <c>context.Sink as IStreamSession</c>.
/// </summary>
public interface IStreamSession
{
    /// <summary>
    /// The client proved who it is and holds something here (TURN: a successful Allocate, or ConnectionBind): the
    /// connection's authentication deadline no longer applies, nor its idle time.
    /// </summary>
    void MarkAuthenticated();

    /// <summary>
    /// The client holds nothing here any more (TURN: its allocation was deleted or expired): the connection is closed
    /// unless it is authenticated again within the idle time. No effect before <see cref="MarkAuthenticated"/>.
    /// </summary>
    void MarkIdle();
}
