using System.Globalization;
using Confer.Browser.Tests.Infrastructure;
using Confer.Turn.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Confer.Browser.Tests.Lab;

/// <summary>
/// The lab's NATs behave as their names say (RFC 4787 §4.1), checked without a browser: one UDP socket on the host
/// sends to two ports of a reflector on the internet bridge, which answers with the address and port it saw. Behind
/// the home router both destinations see the same mapped port (endpoint-independent mapping), behind the hotel
/// router two different ones (symmetric). This is what makes the browser matrix of <see cref="LabTests"/> mean
/// something: hotel ↔ hotel needs the relay because of the NAT, not because of a broken set-up.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class NatMappingTests(LabFixture lab, ITestOutputHelper output)
{
    private const int PortA = 40001, PortB = 40002;

    // Answers every datagram with "address:port" as seen here; exits once both ports answered, after 15 s at the latest.
    private static readonly string Reflector = $$"""
        const dgram = require('dgram');
        const answered = new Set();
        for (const port of [{{PortA}}, {{PortB}}]) {
          const s = dgram.createSocket('udp4');
          s.on('message', (m, r) => {
            s.send(`${r.address}:${r.port}`, r.port, r.address);
            answered.add(port);
            if (answered.size === 2) setTimeout(() => process.exit(0), 500);
          });
          s.bind(port, '{{LabFixture.Server}}');
        }
        setTimeout(() => process.exit(0), 15000);
        """;

    // One socket, both destinations in turn (resending every 200 ms until answered, 5 s at most): prints both answers.
    private static readonly string Prober = $$"""
        const dgram = require('dgram');
        const s = dgram.createSocket('udp4');
        const seen = {};
        s.on('message', (m, r) => { seen[r.port] = m.toString(); });
        const timer = setInterval(() => {
          const next = [{{PortA}}, {{PortB}}].find((p) => !seen[p]);
          if (!next) { console.log(JSON.stringify(seen)); process.exit(0); }
          s.send('probe', next, '{{LabFixture.Server}}');
        }, 200);
        setTimeout(() => { console.log(JSON.stringify(seen)); process.exit(1); }, 5000);
        """;

    [Fact]
    public async Task Home_MapsEveryDestinationToOnePort_Hotel_ToANewPortEach()
    {
        if (!ExternalCommand.Exists("node")) throw new InvalidOperationException("node is missing (test.sh installs nodejs).");
        var home = await MappedPortsAsync(lab.Home1);
        var hotel = await MappedPortsAsync(lab.Hotel1);
        output.WriteLine($"home  {lab.Home1.HostAddress} → {PortA}: {home.A}, → {PortB}: {home.B}");
        output.WriteLine($"hotel {lab.Hotel1.HostAddress} → {PortA}: {hotel.A}, → {PortB}: {hotel.B}");

        Assert.Equal(home.A, home.B); // endpoint-independent: the same WAN address and port for both
        Assert.StartsWith($"{lab.Home1.WanAddress}:", home.A, StringComparison.Ordinal);
        Assert.NotEqual(hotel.A, hotel.B); // symmetric: a new port per destination
        Assert.StartsWith($"{lab.Hotel1.WanAddress}:", hotel.A, StringComparison.Ordinal);
        Assert.StartsWith($"{lab.Hotel1.WanAddress}:", hotel.B, StringComparison.Ordinal);
    }

    private async Task<(string A, string B)> MappedPortsAsync(NatHome network)
    {
        var reflector = lab.Internet.ExecAsync(TimeSpan.FromSeconds(20), "node", "-e", Reflector);
        try
        {
            var probe = await network.Host.ExecAsync(TimeSpan.FromSeconds(10), "node", "-e", Prober);
            Assert.True(probe.Succeeded, $"the probe from {network.HostAddress} got no answer from both ports: {probe}");
            using var answer = System.Text.Json.JsonDocument.Parse(probe.StandardOutput);
            return (answer.RootElement.GetProperty(PortA.ToString(CultureInfo.InvariantCulture)).GetString()!,
                    answer.RootElement.GetProperty(PortB.ToString(CultureInfo.InvariantCulture)).GetString()!);
        }
        finally
        {
            await reflector; // ends by itself once both ports answered (15 s at the latest; killed by ExecAsync's limit otherwise)
        }
    }
}
