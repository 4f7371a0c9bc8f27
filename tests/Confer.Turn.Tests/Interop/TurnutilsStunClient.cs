using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Turn.Tests.Interop;

/// <summary>One Binding response as coturn's <c>turnutils_stunclient</c> printed it.</summary>
internal sealed record StunClientResponse(int? Rfc5780Number, IPEndPoint? ResponseOrigin, IPEndPoint? OtherAddress, IPEndPoint? ReflexiveAddress);

/// <summary>What one run of <c>turnutils_stunclient</c> printed, parsed.</summary>
internal sealed partial record StunClientOutput(CommandResult Command, IReadOnlyList<StunClientResponse> Responses)
{
    /// <summary>Lines in which the client reports a problem (an error response, an unreadable or wrong message).</summary>
    public IReadOnlyList<string> Complaints =>
        [.. Command.StandardOutput.Split('\n').Where(l => ComplaintPattern().IsMatch(l)).Select(l => l.Trim())];

    /// <summary>
    /// Splits the output into responses. In RFC 5780 mode every response starts with "RFC 5780 response N";
    /// otherwise a response is a "UDP reflexive addr" line. The client prints some lines twice; the first counts.
    /// </summary>
    public static StunClientOutput Parse(CommandResult command)
    {
        var responses = new List<StunClientResponse>();
        int? number = null;
        IPEndPoint? origin = null, other = null, reflexive = null;
        bool open = false;

        void Close()
        {
            if (open) responses.Add(new StunClientResponse(number, origin, other, reflexive));
            number = null; origin = null; other = null; reflexive = null; open = false;
        }

        foreach (var raw in command.StandardOutput.Split('\n'))
        {
            var line = raw.Trim();
            if (HeaderPattern().Match(line) is { Success: true } header)
            {
                Close();
                number = int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture);
                open = true;
                continue;
            }
            if (AddressPattern().Match(line) is not { Success: true } match) continue;
            var endpoint = new IPEndPoint(IPAddress.Parse(match.Groups["ip"].Value), int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
            switch (match.Groups["what"].Value)
            {
                case "Response origin":
                    open = true;
                    origin ??= endpoint;
                    break;
                case "Other addr":
                    open = true;
                    other ??= endpoint;
                    break;
                case "UDP reflexive addr":
                    if (reflexive is not null && number is null && !reflexive.Equals(endpoint)) Close(); // a new plain response
                    open = true;
                    reflexive ??= endpoint;
                    break;
            }
        }
        Close();
        return new StunClientOutput(command, responses);
    }

    public override string ToString() => Command.ToString();

    [GeneratedRegex(@"^RFC 5780 response (\d+)$")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"(?<what>Response origin|Other addr|UDP reflexive addr)[: ]+(?<ip>\d{1,3}(?:\.\d{1,3}){3}):(?<port>\d{1,5})")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"error|not a|Cannot read|Wrong", RegexOptions.IgnoreCase)]
    private static partial Regex ComplaintPattern();
}

/// <summary>
/// Runs coturn's <c>turnutils_stunclient</c>, a STUN client nobody on this project wrote. It waits forever for a
/// response that never comes (for example RFC 5780 mode against a server without a second address), so it
/// always runs under coreutils' <c>timeout</c>, and the test's own limit backs that up.
/// </summary>
internal static class TurnutilsStunClient
{
    public static bool IsInstalled => ExternalCommand.Exists("turnutils_stunclient");

    /// <param name="server">The server's primary address and port.</param>
    /// <param name="localAddress">-L: the address the client binds (any loopback address works, which makes
    /// the expected reflexive address something other than the server's own).</param>
    /// <param name="forceRfc5780">-f: the three-request RFC 5780 run even if the server sends no OTHER-ADDRESS.</param>
    public static async Task<StunClientOutput> RunAsync(IPEndPoint server, IPAddress? localAddress = null, bool forceRfc5780 = false,
        int timeoutSeconds = 20)
    {
        var arguments = new List<string> { "--kill-after=2", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "turnutils_stunclient" };
        if (forceRfc5780) arguments.Add("-f");
        if (localAddress is not null) arguments.AddRange(["-L", localAddress.ToString()]);
        arguments.AddRange(["-p", server.Port.ToString(CultureInfo.InvariantCulture), server.Address.ToString()]);
        var result = await ExternalCommand.RunAsync("timeout", arguments, TimeSpan.FromSeconds(timeoutSeconds + 10));
        return StunClientOutput.Parse(result);
    }
}
