using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Turn.Tests.TurnInterop;

/// <summary>How <c>turnutils_uclient</c> reaches the TURN server.</summary>
public enum UclientTransport
{
    Udp,
    Tcp, // -t
    Tls, // -t -S (without -t, -S means DTLS)
}

/// <summary>One <c>turnutils_uclient</c> run: which server, which relay mode, which credentials, how much traffic.</summary>
internal sealed record UclientOptions
{
    /// <summary>The server's address and the port for <see cref="Transport"/> (the TLS port for TLS).</summary>
    public required IPEndPoint Server { get; init; }

    /// <summary>The echo peer the relay sends to (-e, -r). Ignored with <see cref="TcpRelay"/>, whose clients talk to each other.</summary>
    public required IPEndPoint Peer { get; init; }

    public UclientTransport Transport { get; init; } = UclientTransport.Udp;

    /// <summary>-s: Send and Data indications instead of channels.</summary>
    public bool SendIndications { get; init; }

    /// <summary>-T: TCP relay (RFC 6062, Connect and ConnectionBind); implies -t and client-to-client.</summary>
    public bool TcpRelay { get; init; }

    /// <summary>-x: ask for an IPv6 relayed address (REQUESTED-ADDRESS-FAMILY).</summary>
    public bool IPv6Relay { get; init; }

    /// <summary>-Z: a dual allocation (ADDITIONAL-ADDRESS-FAMILY IPv6: an IPv4 and an IPv6 relayed address).</summary>
    public bool DualAllocation { get; init; }

    /// <summary>-u: user name (for REST credentials, the id part; uclient adds the expiry).</summary>
    public string? User { get; init; }

    /// <summary>-w: long-term password.</summary>
    public string? Password { get; init; }

    /// <summary>-W: REST shared secret (uclient makes "expiry:user" and its HMAC itself).</summary>
    public string? RestSecret { get; init; }

    /// <summary>-m: number of clients (each with its own allocations).</summary>
    public int Clients { get; init; } = 1;

    /// <summary>-n: messages per client.</summary>
    public int Messages { get; init; } = 20;

    /// <summary>-l: message length in bytes.</summary>
    public int Length { get; init; } = 200;

    /// <summary>-z: interval between a client's messages in milliseconds (uclient's default is 20).</summary>
    public int? IntervalMs { get; init; }

    /// <summary>-L: the clients' local address (another 127.x address gives every run fresh client 5-tuples).</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>Hard limit for the whole run (coreutils <c>timeout</c>, backed by the harness's own kill).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public IReadOnlyList<string> Arguments()
    {
        var a = new List<string>();
        if (Transport != UclientTransport.Udp || TcpRelay) a.Add("-t");
        if (Transport == UclientTransport.Tls) a.Add("-S");
        if (TcpRelay) a.Add("-T");
        if (SendIndications) a.Add("-s");
        if (IPv6Relay) a.Add("-x");
        if (DualAllocation) a.Add("-Z");
        if (User is not null) a.AddRange(["-u", User]);
        if (Password is not null) a.AddRange(["-w", Password]);
        if (RestSecret is not null) a.AddRange(["-W", RestSecret]);
        a.AddRange(["-m", Invariant(Clients), "-n", Invariant(Messages), "-l", Invariant(Length)]);
        if (IntervalMs is { } z) a.AddRange(["-z", Invariant(z)]);
        if (LocalAddress is not null) a.AddRange(["-L", LocalAddress.ToString()]);
        if (!TcpRelay) a.AddRange(["-e", Peer.Address.ToString(), "-r", Invariant(Peer.Port)]);
        a.AddRange(["-p", Invariant(Server.Port), Server.Address.ToString()]);
        return a;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// What <c>turnutils_uclient</c> printed, parsed. The client reports failure mostly in text: "ERROR: …" lines, an
/// error code on a failed request ("channel bind: error 403 (Forbidden IP)"), and its closing totals
/// ("tot_send_msgs=40, tot_recv_msgs=40", "Total lost packets 0 (0.000000%)"). Absent totals stay null.
/// </summary>
internal sealed partial record UclientOutput(CommandResult Command)
{
    public long? SentMessages { get; private init; }
    public long? ReceivedMessages { get; private init; }
    public long? SentBytes { get; private init; }
    public long? ReceivedBytes { get; private init; }
    public long? LostPackets { get; private init; }
    public long? SendDropped { get; private init; }
    public double? AverageRttMs { get; private init; }

    /// <summary>uclient's "Total transmit time" in whole seconds.</summary>
    public int? TransmitSeconds { get; private init; }

    /// <summary>"ERROR: …" lines and failed requests ("… error 403 …"), trimmed.</summary>
    public IReadOnlyList<string> Errors { get; private init; } = [];

    /// <summary>The STUN error codes the client reported for failed requests (403, 401, 437…).</summary>
    public IReadOnlyList<int> ErrorCodes { get; private init; } = [];

    /// <summary>The run ended normally, reported no error, and every message came back: what "zero loss" means here.</summary>
    public bool IsLossless(long expectedMessages) =>
        Command.Succeeded && Errors.Count == 0 && LostPackets == 0 && SendDropped == 0 &&
        SentMessages == expectedMessages && ReceivedMessages == expectedMessages;

    public static UclientOutput Parse(CommandResult command)
    {
        var text = command.StandardOutput + "\n" + command.StandardError;
        long? Long(Regex pattern, string group)
        {
            // The client prints running totals; the last match is the final one.
            var matches = pattern.Matches(text);
            return matches.Count == 0 ? null : long.Parse(matches[^1].Groups[group].Value, CultureInfo.InvariantCulture);
        }

        var rtt = RttPattern().Matches(text);
        var errors = new List<string>();
        var codes = new List<int>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (ErrorCodePattern().Match(line) is { Success: true } coded)
            {
                errors.Add(line);
                codes.Add(int.Parse(coded.Groups["code"].Value, CultureInfo.InvariantCulture));
            }
            else if (line.Contains("ERROR:", StringComparison.Ordinal))
            {
                // Not "tls_connect: cannot connect": uclient retries TLS handshakes and prints that for attempts it then
                // repeats successfully; a connection that never comes up shows as missing totals instead.
                errors.Add(line);
            }
        }
        return new UclientOutput(command)
        {
            SentMessages = Long(TotalMessagesPattern(), "sent"),
            ReceivedMessages = Long(TotalMessagesPattern(), "received"),
            SentBytes = Long(TotalBytesPattern(), "sent"),
            ReceivedBytes = Long(TotalBytesPattern(), "received"),
            LostPackets = Long(LostPattern(), "lost"),
            SendDropped = Long(LostPattern(), "dropped"),
            TransmitSeconds = (int?)Long(TransmitPattern(), "seconds"),
            AverageRttMs = rtt.Count == 0 ? null : double.Parse(rtt[^1].Groups["avg"].Value, CultureInfo.InvariantCulture),
            Errors = errors,
            ErrorCodes = codes,
        };
    }

    public override string ToString() => Command.ToString();

    // "start_mclient: tot_send_msgs=40, tot_recv_msgs=40" (the per-tick lines also carry "msz=…, " before it).
    [GeneratedRegex(@"tot_send_msgs=(?<sent>\d+), tot_recv_msgs=(?<received>\d+)")]
    private static partial Regex TotalMessagesPattern();

    [GeneratedRegex(@"tot_send_bytes ~ (?<sent>\d+), tot_recv_bytes ~ (?<received>\d+)")]
    private static partial Regex TotalBytesPattern();

    [GeneratedRegex(@"Total lost packets (?<lost>\d+) \([\d.]+%\), total send dropped (?<dropped>\d+)")]
    private static partial Regex LostPattern();

    [GeneratedRegex(@"Total transmit time is (?<seconds>\d+)")]
    private static partial Regex TransmitPattern();

    [GeneratedRegex(@"Average round trip delay (?<avg>[\d.]+) ms")]
    private static partial Regex RttPattern();

    // "channel bind: error 403 (Forbidden IP)", "create permission error 403 (Forbidden IP)", "error 437 …".
    [GeneratedRegex(@"\berror (?<code>[3-6]\d\d)\b")]
    private static partial Regex ErrorCodePattern();
}

/// <summary>
/// Runs coturn's <c>turnutils_uclient</c>, a TURN client nobody on this project wrote. Always under coreutils'
/// <c>timeout</c>, with the harness's own limit behind it.
/// </summary>
internal static class TurnutilsUclient
{
    public static bool IsInstalled => ExternalCommand.Exists("turnutils_uclient");

    public static async Task<UclientOutput> RunAsync(UclientOptions options, CancellationToken cancellationToken = default)
    {
        var seconds = ((int)Math.Ceiling(options.Timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var arguments = new List<string> { "--kill-after=2", seconds, "turnutils_uclient" };
        arguments.AddRange(options.Arguments());
        var result = await ExternalCommand.RunAsync("timeout", arguments, options.Timeout + TimeSpan.FromSeconds(10), cancellationToken);
        return UclientOutput.Parse(result);
    }
}
