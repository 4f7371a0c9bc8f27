using System.CommandLine;
using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;
using Confer.Signaling.Auth;
using Microsoft.Extensions.Options;

namespace Confer.Server.Cli;

/// <summary>
/// <c>confer serve</c>: runs the server until Ctrl-C. Its flags are the rows of <see cref="SettingTable"/>; with the
/// configuration file and the <c>CONFER_</c> variables they make one configuration (flags win), see docs/configuration.md.
/// </summary>
internal static class ServeCommand
{
    /// <summary><c>--config</c>: the JSON configuration file (also <c>CONFER_CONFIG</c>); shared with <c>config check</c>.</summary>
    public static Option<string?> ConfigOption() => new("--config")
    {
        Description = $"JSON configuration file (default: {ConferConfiguration.FileName} or {ConferConfiguration.AlternateFileName} beside the binary; also CONFER_CONFIG).",
    };

    public static Command Create()
    {
        var config = ConfigOption();
        var flags = new SettingFlags(SettingTable.All);
        var command = new Command("serve", "Run Confer: web app, signaling, STUN and TURN.") { config };
        flags.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var setup = ServeSetup.Run(parse.GetValue(config), flags.ToConfiguration(parse), Environment.GetEnvironmentVariables(), TimeProvider.System, checkPorts: true);
            if (setup.Problem is { } problem)
            {
                await Console.Error.WriteLineAsync($"confer: {problem}");
                return setup.ExitCode;
            }
            foreach (var warning in setup.Warnings) Console.WriteLine(warning);
            var options = setup.Options;
            if (options.Dev && options.Signaling.Keys.Count == 0)
            {
                options.Signaling.Keys.Add(ApiKeys.DevKey, ApiKeys.DevSecret);
                Console.WriteLine($"confer: dev mode: API key {ApiKeys.DevKey}, secret {ApiKeys.DevSecret}");
            }
            if (options.Signaling.Keys.Count == 0)
                Console.WriteLine("confer: STUN/TURN only (--turn-only): no API keys, signaling refuses every token.");
            await DiscoverPublicAddressAsync(options, ct);
            if (AdvertisedAddress.Warning(options) is { } exposure) Console.WriteLine(exposure);
            return await RunAsync(options, ct);
        });
        return command;
    }

    /// <summary>With <c>PublicIp:StunServer</c> and no <c>--public-ip</c>: asks the STUN server; a failure is a warning.</summary>
    private static async Task DiscoverPublicAddressAsync(ServerOptions options, CancellationToken ct)
    {
        if (!options.PublicIp.IsEmpty || string.IsNullOrWhiteSpace(options.PublicIpStunServer)) return;
        var (address, failure) = await PublicAddressDiscovery.DiscoverAsync(options.PublicIpStunServer, options.Bind, ct);
        if (address is not null)
        {
            options.PublicIp = options.PublicIp.With(address);
            Console.WriteLine($"confer: public address {address} (from STUN server {options.PublicIpStunServer})");
        }
        else
        {
            Console.WriteLine($"confer: WARNING: the public address could not be learned from STUN server {options.PublicIpStunServer} ({failure}); " +
                "clients get the local address instead. Set --public-ip to be sure.");
        }
    }

    private static bool IsPermissionDenied(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied }) return true;
        return false;
    }

    private static string InUseMessage(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is IOException && x.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) return x.Message;
        return e.GetBaseException().Message;
    }

    private static async Task<int> RunAsync(ServerOptions options, CancellationToken ct)
    {
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
            return ServeSetup.ExitInvalid;
        }
        catch (Exception e) when (IsPermissionDenied(e))
        {
            var low = new[] { ("--https-port", options.HttpsPort), ("--http-port", options.HttpPort), ("--turn-port", options.TurnPort), ("--turn-tls-port", options.TurnTlsPort) }
                .Where(p => p.Item2 is > 0 and < 1024).Select(p => $"{p.Item1} {p.Item2}");
            await Console.Error.WriteLineAsync($"confer: no permission to listen on a port below 1024 ({string.Join(", ", low)}): " +
                "grant CAP_NET_BIND_SERVICE (the systemd unit does) or pick ports above 1023, like --https-port 8443.");
            return ServeSetup.ExitPortInUse;
        }
        catch (Exception e) when (ConferHost.IsAddressInUse(e))
        {
            // Taken between the check and the bind: the same advice, less precise.
            await Console.Error.WriteLineAsync($"confer: a port is already in use ({InUseMessage(e)}); pick another with --http-port/--https-port/--turn-port/--turn-tls-port or stop the other program.");
            return ServeSetup.ExitPortInUse;
        }
        var https = app.Services.GetRequiredService<Confer.Server.Tls.HttpsListener>().EndPoint;
        var certificate = app.Services.GetRequiredService<Confer.Server.Tls.ServerCertificates>().Current;
        var http = ConferHost.HttpAddress(app);
        foreach (var line in ServeBanner.WebPorts(options, http, https, certificate)) Console.WriteLine(line);
        TurnFlags.PrintEndpoints(ConferHost.Turn(app));
        if (options.Cluster.Enabled) Console.WriteLine(ServeBanner.Cluster(options));
        foreach (var line in ServeBanner.Exposure(options)) Console.WriteLine(line);
        Console.WriteLine(ServeBanner.Open(options, http, https, certificate, [.. Confer.Server.Tls.DevCertificate.LocalAddresses()]));
        await app.WaitForShutdownAsync(ct);
        await app.DisposeAsync();
        return 0;
    }
}
