namespace Confer.Sfu.Dtls;

/// <summary>Why a DTLS handshake did not produce SRTP keys.</summary>
internal enum DtlsHandshakeError
{
    /// <summary>The handshake did not finish within <see cref="DtlsSettings.HandshakeTimeout"/>.</summary>
    Timeout,
    /// <summary>The client's certificate does not hash to the fingerprint in its SDP (RFC 8122 §5, RFC 5763 §5).</summary>
    FingerprintMismatch,
    /// <summary>The client sent no certificate although one was requested (RFC 5763 §5).</summary>
    NoClientCertificate,
    /// <summary>The client offered no use_srtp extension or no profile the SFU supports (RFC 5764 §4.1.1).</summary>
    NoCommonSrtpProfile,
    /// <summary>The client sent a fatal alert (see <see cref="DtlsHandshakeException.Alert"/>).</summary>
    PeerAlert,
    /// <summary>The client closed the connection (close_notify) during the handshake.</summary>
    PeerClosed,
    /// <summary>The handshake failed on a protocol error detected locally (see <see cref="DtlsHandshakeException.Alert"/>).</summary>
    ProtocolError,
    /// <summary>The transport was disposed before the handshake finished.</summary>
    Disposed,
    /// <summary>An unexpected failure (a bug or a throwing sender); the inner exception says more.</summary>
    Internal,
}

/// <summary>The handshake failed for a reason a caller can act on; never thrown for a stranger's bytes outside a handshake.</summary>
internal sealed class DtlsHandshakeException : Exception
{
    public DtlsHandshakeException(DtlsHandshakeError error, string message, short? alert = null, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
        Alert = alert;
    }

    public DtlsHandshakeError Error { get; }

    /// <summary>The TLS AlertDescription sent or received, when there was one (RFC 5246 §7.2).</summary>
    public short? Alert { get; }
}
