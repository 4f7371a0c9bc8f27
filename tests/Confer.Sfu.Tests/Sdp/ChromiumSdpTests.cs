using Confer.Sfu.Sdp;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Sdp;

/// <summary>
/// Real Chromium on both sides of the SDP: its offers are parsed and answered, the answers applied, and it answers
/// the SFU's subscriber offers across renegotiation. With CONFER_SDP_CAPTURE=1 the offers are also written to
/// Sdp/Captured for the browserless tests.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ChromiumSdpTests(ITestOutputHelper output)
{
    public static TheoryData<string, string[], bool, bool> Offers => new()
    {
        { CapturedSdp.SimulcastLmh, ["l", "m", "h"], false, true },
        { CapturedSdp.SimulcastQhfScreen, ["q", "h", "f"], true, true },
        { CapturedSdp.SingleLayer, [], false, false },
    };

    [Theory]
    [MemberData(nameof(Offers))]
    public async Task PublisherAnswer_ChromiumOffer_ChromiumAcceptsAnswer(string file, string[] rids, bool screen, bool data)
    {
        await using var chromium = await SdpChromium.StartAsync();
        string offerText = await chromium.CreatePublisherOfferAsync(rids, screen, data);
        if (Environment.GetEnvironmentVariable("CONFER_SDP_CAPTURE") == "1") CapturedSdp.Save(file, offerText);

        var offer = SdpTestData.Parse(offerText);
        Assert.True(PublisherAnswerBuilder.TryBuild(offer, SdpTestData.Server, SdpTestData.Answer, out var answer, out var negotiation, out var error), error.ToString());
        string answerText = SdpWriter.Write(answer);
        output.WriteLine(answerText);

        Assert.Equal("ok", await chromium.ApplyPublisherAnswerAsync(answerText));
        var transceivers = await chromium.PublisherTransceiversAsync();
        output.WriteLine(string.Join("\n", transceivers));
        Assert.Equal("0:sendonly::opus", transceivers[0]);
        Assert.StartsWith($"1:sendonly:{string.Join(',', rids)}:VP8,rtx,H264,rtx", transceivers[1], StringComparison.Ordinal);
        var video = negotiation.Media.First(m => m.Kind == "video");
        Assert.Equal(rids, video.Rids);
        Assert.Equal(data, negotiation.Media.Any(m => m.Kind == "application"));
        Assert.Equal(screen ? 2 : 1, negotiation.Media.Count(m => m.Kind == "video"));
    }

    [Fact]
    public async Task PublisherAnswer_RedEnabled_ChromiumSendsRedFirst()
    {
        await using var chromium = await SdpChromium.StartAsync();
        var offer = SdpTestData.Parse(await chromium.CreatePublisherOfferAsync(["q", "h", "f"], screen: false, data: true));
        Assert.True(PublisherAnswerBuilder.TryBuild(offer, SdpTestData.Server, SdpTestData.Answer with { AcceptOpusRed = true }, out var answer, out _, out var error), error.ToString());

        Assert.Equal("ok", await chromium.ApplyPublisherAnswerAsync(SdpWriter.Write(answer)));
        var transceivers = await chromium.PublisherTransceiversAsync();
        Assert.StartsWith("0:sendonly::red,opus", transceivers[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscriberOffer_FiftyTracks_ChromiumAnswers()
    {
        await using var chromium = await SdpChromium.StartAsync();
        var builder = new SubscriberOfferBuilder(SdpTestData.Server, SdpTestData.Offer);
        var tracks = Enumerable.Range(0, 50).Select(i => i % 2 == 0
            ? SdpTestData.Video($"TR_v{i}", (uint)(100_000 + i * 2), $"PA_{i / 2}")
            : SdpTestData.Audio($"TR_a{i}", (uint)(200_000 + i), $"PA_{i / 2}")).ToList();
        var offer = builder.CreateOffer(tracks);

        var answer = await AnswerAsync(chromium, builder, offer, log: false);
        string answerText = await chromium.Page.EvaluateAsync<string>("() => window.sub.localDescription.sdp");
        output.WriteLine($"50 tracks: offer {System.Text.Encoding.UTF8.GetByteCount(offer.Text)} bytes, Chromium's answer {System.Text.Encoding.UTF8.GetByteCount(answerText)} bytes");
        Assert.Equal(51, answer.AcceptedMids.Count);
        Assert.Equal(50, (await chromium.SubscriberTrackEventsAsync()).Length);
    }

    [Fact]
    public async Task SubscriberOffer_RenegotiationWithRecycling_ChromiumAnswersEachOffer()
    {
        await using var chromium = await SdpChromium.StartAsync();
        var builder = new SubscriberOfferBuilder(SdpTestData.Server, SdpTestData.Offer);

        // 1: audio and video of one publisher.
        var first = builder.CreateOffer([SdpTestData.Audio("TR_a1", 1001), SdpTestData.Video("TR_v1", 2001)]);
        var answer1 = await AnswerAsync(chromium, builder, first);
        Assert.Equal(["0", "1", "2"], answer1.AcceptedMids);

        // 2: the video goes, another comes: its section is stopped (port 0), the new one appended.
        var second = builder.CreateOffer([SdpTestData.Audio("TR_a1", 1001), SdpTestData.Video("TR_v2", 3001, "PA_bob")]);
        Assert.Equal(0, second.Description.FindMid("2")!.Port);
        Assert.Equal("3", second.MidByTrack["TR_v2"]);
        await AnswerAsync(chromium, builder, second);

        // 3: a new audio track recycles the stopped section with a new mid.
        var third = builder.CreateOffer([SdpTestData.Audio("TR_a1", 1001), SdpTestData.Video("TR_v2", 3001, "PA_bob"), SdpTestData.Audio("TR_a2", 4001, "PA_bob")]);
        Assert.Equal(4, third.Description.Media.Count);
        Assert.Equal("4", third.MidByTrack["TR_a2"]);
        Assert.Equal("audio", third.Description.Media[2].Kind);
        var answer3 = await AnswerAsync(chromium, builder, third);
        Assert.Equal(["0", "1", "4", "3"], answer3.AcceptedMids);

        var events = await chromium.SubscriberTrackEventsAsync();
        output.WriteLine(string.Join("\n", events));
        Assert.Equal(["1:audio:TR_a1", "2:video:TR_v1", "3:video:TR_v2", "4:audio:TR_a2"], events);
        var transceivers = await chromium.SubscriberTransceiversAsync();
        output.WriteLine(string.Join("\n", transceivers));
        Assert.Contains("4:recvonly:recvonly", transceivers);
    }

    private async Task<SubscriberAnswer> AnswerAsync(SdpChromium chromium, SubscriberOfferBuilder builder, SubscriberOffer offer, bool log = true)
    {
        string answerText = await chromium.AnswerSubscriberOfferAsync(offer.Text);
        if (log)
        {
            output.WriteLine(offer.Text);
            output.WriteLine(answerText);
        }
        Assert.DoesNotContain("error", answerText, StringComparison.Ordinal);
        var answer = SdpTestData.Parse(answerText);
        Assert.True(builder.TryApplyAnswer(answer, out var result, out var error), error.ToString());
        Assert.Equal(SdpSetup.Active, result.Setup);
        Assert.Equal("sha-256", result.Fingerprint.Algorithm);
        Assert.False(string.IsNullOrEmpty(result.IceUfrag));
        return result;
    }
}
