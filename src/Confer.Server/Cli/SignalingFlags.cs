using System.CommandLine;
using Confer.Server.Hosting;
using Confer.Signaling.Auth;

namespace Confer.Server.Cli;

/// <summary>The signaling flags of <c>confer serve</c>: keys, TURN secret, ICE servers, public host, open rooms.</summary>
internal sealed class SignalingFlags
{
    private readonly Option<string?> _keys = new("--keys") { Description = "API keys: \"key: secret\" (several separated by commas). Also CONFER_KEYS." };
    private readonly Option<string?> _turnSecret = new("--turn-secret") { Description = "Shared secret for TURN REST credentials (default: random per start)." };
    private readonly Option<string[]> _iceServers = new("--ice-server") { Description = "Extra STUN/TURN URL handed to clients (repeatable).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _publicHost = new("--public-host") { Description = "Host name for the ICE server URLs given to clients (default: the host they reached)." };
    private readonly Option<bool> _openRooms = new("--open-rooms") { Description = "Let anyone get a join token from POST /api/token (always on with --dev)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_keys);
        command.Options.Add(_turnSecret);
        command.Options.Add(_iceServers);
        command.Options.Add(_publicHost);
        command.Options.Add(_openRooms);
    }

    /// <summary>Copies the flags into <paramref name="options"/>; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        var keys = parse.GetValue(_keys) ?? Environment.GetEnvironmentVariable("CONFER_KEYS");
        if (!string.IsNullOrWhiteSpace(keys) && options.Signaling.Keys.AddFrom(keys) is { } problem) return problem;
        if (options.Dev && options.Signaling.Keys.Count == 0)
        {
            options.Signaling.Keys.Add(ApiKeys.DevKey, ApiKeys.DevSecret);
            Console.WriteLine($"confer: dev mode: API key {ApiKeys.DevKey}, secret {ApiKeys.DevSecret}");
        }
        if (options.Signaling.Keys.Count == 0)
            return "no API keys: pass --keys \"key: secret\" (or set CONFER_KEYS), or use --dev for the development key.";
        options.TurnSecret = parse.GetValue(_turnSecret) ?? "";
        options.Signaling.ExternalIceServers.AddRange(parse.GetValue(_iceServers) ?? []);
        options.Signaling.PublicHost = parse.GetValue(_publicHost);
        options.Signaling.OpenRooms = parse.GetValue(_openRooms);
        return null;
    }
}
