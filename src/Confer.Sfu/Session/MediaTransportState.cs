namespace Confer.Sfu.Session;

/// <summary>Where a <see cref="MediaTransport"/> is in its life.</summary>
internal enum MediaTransportState
{
    /// <summary>Made and registered; no check nominated a path yet.</summary>
    New,

    /// <summary>A path is nominated (or DTLS began); the DTLS handshake is not done.</summary>
    Checking,

    /// <summary>DTLS-SRTP done (RFC 5764 §4.2), both SRTP contexts made, a path selected: media flows.</summary>
    Connected,

    /// <summary>The selected path lost consent (RFC 7675 §5.2): nothing is sent; a later nomination recovers.</summary>
    Disconnected,

    /// <summary>The DTLS handshake failed (wrong fingerprint, timeout, alert): no SRTP ever.</summary>
    Failed,

    /// <summary>Disposed.</summary>
    Closed,
}
