using System.Net.Sockets;

namespace Confer.Turn.Transport;

/// <summary>A TCP or TLS client connection's sink: what ConnectionBind (RFC 6062 §5.4) needs to turn it into a data connection.</summary>
internal interface IStreamClientSink : IClientSink
{
    /// <summary>Set by ConnectionBind: after the frame being handled, the connection is a raw pipe to this peer.</summary>
    Socket? UpgradedPeer { get; set; }
}
