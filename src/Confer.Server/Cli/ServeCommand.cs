using System.CommandLine;
using System.Net;
using Confer.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Confer.Server.Cli;

/// <summary><c>confer serve</c>: runs the server until Ctrl-C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var dev = new Option<bool>("--dev") { Description = "Development mode: known keys, open rooms, self-signed TLS; listens on loopback only (unless --bind) and then allows loopback peers." };
        var bind = new Option<IPAddress>("--bind")
        {
            Description = "Address to listen on (default 0.0.0.0; with --dev 127.0.0.1 and ::1).",
            CustomParser = r => ParseAddress(r.Tokens[0].Value, r),
        };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP port (web app, signaling, API, /healthz).", DefaultValueFactory = _ => 7880 };
        var turnPort = new Option<int>("--turn-port") { Description = "STUN/TURN port, UDP and TCP.", DefaultValueFactory = _ => 3478 };
        var altIp = new Option<IPAddress?>("--alt-ip")
        {
            Description = "Second address for RFC 5780 NAT behaviour discovery.",
            CustomParser = r => ParseAddress(r.Tokens[0].Value, r),
        };
        var altPort = new Option<int>("--alt-port") { Description = "Second port for RFC 5780 (default: turn port + 1)." };

        var signaling = new SignalingFlags();
        var command = new Command("serve", "Run Confer: web app, signaling, STUN and TURN.")
        {
            dev, bind, httpPort, turnPort, altIp, altPort,
        };
        signaling.AddTo(command);
        var turn = new TurnFlags();
        turn.AddTo(command); // --turn-secret belongs to the signaling flags: signaling mints REST credentials, TURN checks them
        var drain = new DrainFlags();
        drain.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = new ServerOptions
            {
                Dev = parse.GetValue(dev),
                HttpPort = parse.GetValue(httpPort),
                TurnPort = parse.GetValue(turnPort),
                AltIP = parse.GetValue(altIp),
                AltPort = parse.GetValue(altPort),
            };
            if (parse.GetValue(bind) is { } address) options.Bind = address; // else the default: loopback with --dev, 0.0.0.0 without
            if (signaling.Apply(parse, options) is { } problem)
            {
                await Console.Error.WriteLineAsync($"confer: {problem}");
                return 2;
            }
            if (turn.Apply(parse, options) is { } turnProblem)
            {
                await Console.Error.WriteLineAsync($"confer: {turnProblem}");
                return 2;
            }
            if (drain.Apply(parse, options) is { } drainProblem)
            {
                await Console.Error.WriteLineAsync($"confer: {drainProblem}");
                return 2;
            }
            return await RunAsync(options, ct);
        });
        return command;
    }

    private static IPAddress ParseAddress(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (IPAddress.TryParse(text, out var address)) return address;
        result.AddError($"'{text}' is not an IP address.");
        return IPAddress.None;
    }

    private static string InUseMessage(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is IOException && x.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) return x.Message;
        return e.GetBaseException().Message;
    }

    private static async Task<int> RunAsync(ServerOptions options, CancellationToken ct)
    {
        if (options.Validate() is { } problem)
        {
            await Console.Error.WriteLineAsync($"confer: {problem}");
            return 2;
        }
        WebApplication app;
        try
        {
            app = ConferHost.Build(options);
            await app.StartAsync(ct);
        }
        catch (OptionsValidationException e)
        {
            // A configuration section (appsettings, environment) holds an impossible value: one sentence each, no stack trace.
            foreach (var failure in e.Failures) await Console.Error.WriteLineAsync($"confer: {failure}");
            return 2;
        }
        catch (Exception e) when (ConferHost.IsAddressInUse(e))
        {
            await Console.Error.WriteLineAsync($"confer: a port is already in use ({InUseMessage(e)}); pick another with --http-port/--turn-port/--turn-tls-port or stop the other program.");
            return 3;
        }
        Console.WriteLine($"confer: listening on {ConferHost.HttpAddress(app)} (Ctrl-C to stop)");
        TurnFlags.PrintEndpoints(ConferHost.Turn(app));
        foreach (var line in ServeBanner.Exposure(options)) Console.WriteLine(line);
        await app.WaitForShutdownAsync(ct);
        await app.DisposeAsync();
        return 0;
    }
}
