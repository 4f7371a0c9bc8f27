using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// Learns this server's public address from an external STUN server (<c>PublicIp:StunServer</c>): one Binding request
/// (RFC 8489 §6) from the bind address, the XOR-MAPPED-ADDRESS of the answer (§14.2) is what the world sees. Bounded:
/// <see cref="Timeout"/> per try, one retry (§6.2.1 retransmits; two tries are enough at start), then the caller falls back.
/// </summary>
internal static class PublicAddressDiscovery
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);

    /// <summary>Parses "host:port", "host" (port 3478), "[v6]:port"; null when it is not that shape.</summary>
    public static (string Host, int Port)? ParseServer(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (!text.StartsWith('[') && IPAddress.TryParse(text, out var bare) && bare.AddressFamily == AddressFamily.InterNetworkV6) return (bare.ToString(), 3478);
        string host = text;
        int port = 3478;
        int colon = text.LastIndexOf(':');
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return null;
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':' || !int.TryParse(text[(close + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out port)) return null;
            }
        }
        else if (colon >= 0)
        {
            host = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port)) return null;
        }
        if (host.Length == 0 || port is < 1 or > 65535 || host.Contains(' ', StringComparison.Ordinal)) return null;
        return (host, port);
    }

    /// <summary>The address the STUN server saw us at, or null and the reason in plain words.</summary>
    public static async Task<(IPAddress? Address, string? Failure)> DiscoverAsync(string server, IPAddress bind, CancellationToken ct)
    {
        if (ParseServer(server) is not var (host, port)) return (null, $"'{server}' is not host:port");
        IPAddress[] candidates;
        try
        {
            using var dns = CancellationTokenSource.CreateLinkedTokenSource(ct);
            dns.CancelAfter(Timeout * 2);
            candidates = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, dns.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return (null, $"{host} could not be resolved");
        }
        bool anyBind = bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any);
        var target = candidates.FirstOrDefault(a => anyBind ? a.AddressFamily == AddressFamily.InterNetwork : a.AddressFamily == bind.AddressFamily)
            ?? candidates.FirstOrDefault(a => anyBind || a.AddressFamily == bind.AddressFamily);
        if (target is null) return (null, $"{host} has no address of the family Confer listens on");
        var local = anyBind ? (target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any) : bind;
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
        }
        catch (SocketException e)
        {
            return (null, $"no UDP socket on {local} ({e.SocketErrorCode})");
        }
        var remote = new IPEndPoint(target, port);
        var request = new byte[64];
        var response = new byte[1500];
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var id = TransactionId.New();
            int length = WriteRequest(request, id);
            try
            {
                await socket.SendToAsync(request.AsMemory(0, length), remote, ct);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(Timeout);
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(response, remote, wait.Token);
                    if (!((IPEndPoint)received.RemoteEndPoint).Equals(remote)) continue; // only the server's answer counts
                    if (ReadMapped(response.AsSpan(0, received.ReceivedBytes), id) is { } mapped) return (mapped, null);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // No answer in time: try once more.
            }
            catch (SocketException)
            {
                // ICMP unreachable and the like: as no answer.
            }
        }
        return (null, $"no answer from {remote} within {Timeout.TotalSeconds:0.#} s, twice");
    }

    private static int WriteRequest(Span<byte> buffer, TransactionId id)
    {
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        writer.AddFingerprint();
        return writer.Length;
    }

    /// <summary>XOR-MAPPED-ADDRESS (or the older MAPPED-ADDRESS) of a Binding success for <paramref name="id"/>; null otherwise.</summary>
    internal static IPAddress? ReadMapped(ReadOnlySpan<byte> bytes, TransactionId id)
    {
        if (!StunMessage.TryRead(bytes, out var message, out _)) return null;
        if (message.Type != StunMessageType.BindingSuccess || message.TransactionId != id) return null;
        if (message.TryGetAttribute(StunAttributeType.XorMappedAddress, out var xor) && StunAddress.TryRead(xor, true, id, out var endpoint))
            return StunAddress.Normalize(endpoint.Address);
        if (message.TryGetAttribute(StunAttributeType.MappedAddress, out var plain) && StunAddress.TryRead(plain, false, id, out var old))
            return StunAddress.Normalize(old.Address);
        return null;
    }
}
