using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Confer.Server.Transport;
using Confer.Signaling;
using Confer.Transport;
using Microsoft.Extensions.Options;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// What would make a start impossible, checked before anything binds: each check returns one sentence that names the
/// setting and what to change, or null. <c>confer config check</c> runs the same checks, ports aside.
/// </summary>
internal static class StartChecks
{
    /// <summary>Every check but the ports; the first problem, or null.</summary>
    public static string? Check(ServerOptions options, TimeProvider time) =>
        ApiKeys(options) ?? SecretRules.Check(options) ?? Certificate(options, time) ?? RelayRange(options) ?? PortClash(options) ?? Sections(options);

    /// <summary>
    /// Signaling with no API key is a server nobody can use: no app can mint a token. Outside --dev it stops, unless the
    /// operator says this is a STUN/TURN-only server (<c>--turn-only</c>, replacing coturn).
    /// </summary>
    public static string? ApiKeys(ServerOptions options)
    {
        if (options.Dev || options.TurnOnly || options.Signaling.Keys.Count > 0) return null;
        return "no API key: give one as \"key: secret\" with --keys-file, CONFER_KEYS or Signaling:Keys (apps mint join tokens with it), " +
            "or --turn-only (TurnOnly) for a STUN/TURN-only server.";
    }

    /// <summary>The PEM certificate loads with its key, and is valid now (NotBefore..NotAfter).</summary>
    public static string? Certificate(ServerOptions options, TimeProvider time)
    {
        if (options.TlsCert is not { } certPath || options.TlsKey is not { } keyPath) return null;
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return $"--tls-cert {certPath} (Tls:Cert) with --tls-key {keyPath} (Tls:Key) is not a PEM certificate and its private key " +
                $"({e.Message.TrimEnd('.')}); give the certificate chain and the key it was issued for.";
        }
        using (certificate)
        {
            var now = time.GetUtcNow();
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            if (notAfter <= now)
                return $"--tls-cert {certPath} (Tls:Cert) expired on {notAfter:yyyy-MM-dd HH:mm} UTC; renew it and give the new PEM file.";
            if (notBefore > now)
                return $"--tls-cert {certPath} (Tls:Cert) is not valid before {notBefore:yyyy-MM-dd HH:mm} UTC; check this machine's clock or the certificate.";
        }
        return null;
    }

    /// <summary>
    /// Each allocation holds one relay port per family, so the range bounds the allocations: a range smaller than
    /// <c>--total-quota</c> would refuse allocations the quota promises (508 with room left). The rule is that the range
    /// holds at least the quota; the sentence says how far to widen it or lower the quota.
    /// </summary>
    public static string? RelayRange(ServerOptions options)
    {
        int ports = options.RelayPortMax - options.RelayPortMin + 1;
        if (ports >= options.TotalQuota) return null;
        return $"--relay-ports {options.RelayPortMin}-{options.RelayPortMax} (Turn:RelayPorts) holds {ports} ports, fewer than the {options.TotalQuota} " +
            $"allocations --total-quota (Turn:TotalQuota) allows, and each allocation needs its own port; widen the range or set --total-quota {ports}.";
    }

    /// <summary>Two listeners of this server on one TCP port.</summary>
    public static string? PortClash(ServerOptions options)
    {
        var tcp = TcpPorts(options).Where(p => p.Port != 0).ToList();
        for (int i = 0; i < tcp.Count; i++)
            for (int j = i + 1; j < tcp.Count; j++)
                if (tcp[i].Port == tcp[j].Port)
                    return $"{tcp[i].Setting} and {tcp[j].Setting} are both TCP port {tcp[i].Port}; give one of them another port.";
        return null;
    }

    private static IEnumerable<(string Setting, int Port)> TcpPorts(ServerOptions options)
    {
        yield return ("--http-port (HttpPort)", options.HttpPort);
        yield return ("--turn-port (Turn:Port)", options.TurnPort);
        if (options.TlsCert is not null || options.Dev) yield return ("--turn-tls-port (Turn:TlsPort)", options.TurnTlsPort);
    }

    /// <summary>The sections bound by their own options classes (Signaling, Transport, Metrics), as the host will bind them.</summary>
    public static string? Sections(ServerOptions options)
    {
        if (options.Configuration is not { } configuration) return null;
        try
        {
            var signaling = new SignalingOptions();
            configuration.GetSection("Signaling").Bind(signaling);
            if (signaling.Validate() is { } problem) return problem;
            var transport = new TransportOptions();
            TransportHosting.Bind(configuration, transport);
            if (transport.Validate() is { } transportProblem) return transportProblem;
            MetricsAccess.From(configuration);
        }
        catch (OptionsValidationException e)
        {
            return e.Failures.First();
        }
        catch (InvalidOperationException e)
        {
            // The binder: "Failed to convert configuration value at 'Signaling:X' to type 'System.Int32'."
            return $"{e.Message.TrimEnd('.')}: give a value of that kind (see docs/configuration.md).";
        }
        return null;
    }

    /// <summary>
    /// The ports this server binds, tried before the host starts so an operator reads which setting to change; another
    /// program on one of them gives the sentence. Port 0 (any free port) is never in use.
    /// </summary>
    public static string? PortInUse(ServerOptions options)
    {
        foreach (var (setting, port) in TcpPorts(options))
            if (port != 0 && !Free(options.Bind, port, SocketType.Stream)) return InUse(setting, "TCP", options.Bind, port);
        if (options.TurnPort != 0 && !Free(options.Bind, options.TurnPort, SocketType.Dgram)) return InUse("--turn-port (Turn:Port)", "UDP", options.Bind, options.TurnPort);
        if (options.AltIP is { } alt)
        {
            int altPort = options.AltPort != 0 ? options.AltPort : options.TurnPort == 0 ? 0 : options.TurnPort + 1;
            if (altPort != 0 && !Free(alt, altPort, SocketType.Dgram)) return InUse("--alt-port (Turn:AltPort)", "UDP", alt, altPort);
        }
        return null;
    }

    private static string InUse(string setting, string protocol, IPAddress bind, int port) =>
        $"{setting} {port}: {protocol} port {port} on {bind} is already in use by another program; stop that program or give another port.";

    private static bool Free(IPAddress bind, int port, SocketType type)
    {
        using var socket = new Socket(bind.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        if (bind.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
        // As Kestrel does: a TCP port in TIME_WAIT is free to listen on again.
        if (type == SocketType.Stream && !OperatingSystem.IsWindows()) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(bind, port));
            if (type == SocketType.Stream) socket.Listen(1);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // not "in use" (an address this host lacks, say): the start reports it in its own words
        }
    }
}
