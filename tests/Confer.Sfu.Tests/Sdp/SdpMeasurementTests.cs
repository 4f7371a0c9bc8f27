using System.Diagnostics;
using Confer.Sfu.Sdp;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Sdp;

/// <summary>Figures for the report (not speed assertions): SDP work is per negotiation, not per packet.</summary>
public sealed class SdpMeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public void Measure_ParseAnswerAndFiftyTrackOffer_PrintsFigures()
    {
        string text = CapturedSdp.Read(CapturedSdp.SimulcastQhfScreen);
        var tracks = Enumerable.Range(0, 50).Select(i => i % 2 == 0
            ? SdpTestData.Video($"TR_v{i}", (uint)(100_000 + i * 2), $"PA_{i / 2}")
            : SdpTestData.Audio($"TR_a{i}", (uint)(200_000 + i), $"PA_{i / 2}")).ToList();
        for (int i = 0; i < 20; i++) Round();   // warm up

        const int rounds = 200;
        long parse = 0, answer = 0, offer = 0;
        for (int i = 0; i < rounds; i++)
        {
            var (p, a, o) = Round();
            parse += p; answer += a; offer += o;
        }
        double us(long ticks) => ticks * 1e6 / Stopwatch.Frequency / rounds;
        output.WriteLine($"Chromium offer ({text.Length} bytes) parse {us(parse):F0} µs; answer build+write {us(answer):F0} µs; 50-track subscriber offer build+write {us(offer):F0} µs (shared CPU)");
        Assert.True(parse > 0 && answer > 0 && offer > 0);

        (long, long, long) Round()
        {
            long t0 = Stopwatch.GetTimestamp();
            SdpParser.TryParse(text, out var description, out _);
            long t1 = Stopwatch.GetTimestamp();
            PublisherAnswerBuilder.TryBuild(description, SdpTestData.Server, SdpTestData.Answer, out var built, out _, out _);
            _ = SdpWriter.Write(built);
            long t2 = Stopwatch.GetTimestamp();
            _ = new SubscriberOfferBuilder(SdpTestData.Server, SdpTestData.Offer).CreateOffer(tracks).Text;
            long t3 = Stopwatch.GetTimestamp();
            return (t1 - t0, t2 - t1, t3 - t2);
        }
    }
}
