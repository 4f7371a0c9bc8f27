namespace Confer.Sfu.Dtls;

/// <summary>
/// Where a <see cref="DtlsTransport"/> sends its datagrams: the participant's selected ICE 5-tuple.
/// Called on the DTLS thread; it must not block for long and should not throw (a throw fails the handshake).
/// The span is valid only during the call.
/// </summary>
internal interface IDtlsSender
{
    void Send(ReadOnlySpan<byte> datagram);
}
