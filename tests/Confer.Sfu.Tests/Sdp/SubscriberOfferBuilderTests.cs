using System.Text;
using CsCheck;
using Confer.Sfu.Sdp;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Sdp;

public sealed class SubscriberOfferBuilderTests(ITestOutputHelper output)
{
    private static SubscriberOfferBuilder NewBuilder() => new(SdpTestData.Server, SdpTestData.Offer);

    [Fact]
    public void CreateOffer_TwoTracks_SendOnlyBundledIceLitePassive()
    {
        var offer = NewBuilder().CreateOffer([SdpTestData.Audio("TR_a", 11), SdpTestData.Video("TR_v", 21)]).Description;

        Assert.True(offer.IceLite);
        Assert.Equal(["0", "1", "2"], offer.BundleMids);
        Assert.Equal(["application", "audio", "video"], offer.Media.Select(m => m.Kind));
        Assert.Equal(SdpTestData.Server.Candidates, offer.Media[0].Candidates);
        Assert.All(offer.Media, m => Assert.Equal(SdpSetup.Passive, m.Setup));
        var video = offer.Media[2];
        Assert.Equal(SdpDirection.SendOnly, video.Direction);
        Assert.Equal(["96", "97"], video.Formats);
        Assert.Equal("apt=96", video.FindCodec(97)!.Fmtp);
        Assert.Equal(new SdpMsid("PA_alice", "TR_v"), Assert.Single(video.Msids));
        var fid = Assert.Single(video.SsrcGroups);
        Assert.Equal(("FID", 21u, 22u), (fid.Semantics, fid.Ssrcs[0], fid.Ssrcs[1]));
        Assert.Equal(4, video.Ssrcs.Count);
        var audio = offer.Media[1];
        Assert.Empty(audio.SsrcGroups);
        Assert.Equal([11u, 11u], audio.Ssrcs.Select(s => s.Ssrc));
        Assert.Equal(["111"], audio.Formats);
    }

    [Fact]
    public void CreateOffer_SameTracksAgain_SameMidsNewVersion()
    {
        var builder = NewBuilder();
        var first = builder.CreateOffer([SdpTestData.Audio("TR_a", 11), SdpTestData.Video("TR_v", 21)]);
        var second = builder.CreateOffer([SdpTestData.Video("TR_v", 21), SdpTestData.Audio("TR_a", 11)]);

        Assert.Equal(first.MidByTrack, second.MidByTrack);
        Assert.Equal(first.Description.SessionId, second.Description.SessionId);
        Assert.Equal(first.Description.SessionVersion + 1, second.Description.SessionVersion);
        Assert.Equal(first.Text.Replace(" 1 IN IP4", " 2 IN IP4", StringComparison.Ordinal), second.Text);
    }

    [Fact]
    public void CreateOffer_RemovedTrack_PortZeroUntilAnsweredThenRecycledWithNewMid()
    {
        var builder = NewBuilder();
        builder.CreateOffer([SdpTestData.Audio("TR_a", 11), SdpTestData.Video("TR_v", 21)]);
        Assert.True(builder.TryApplyAnswer(BrowserAnswer(builder, 3), out _, out _));

        var removed = builder.CreateOffer([SdpTestData.Audio("TR_a", 11)]).Description;
        Assert.Equal(0, removed.Media[2].Port);
        Assert.Equal(SdpDirection.Inactive, removed.Media[2].Direction);
        Assert.Null(removed.Media[2].IceUfrag);
        Assert.Equal(["0", "1"], removed.BundleMids);

        // Not recyclable before the answer completes the exchange: a new track gets a new section.
        var beforeAnswer = builder.CreateOffer([SdpTestData.Audio("TR_a", 11), SdpTestData.Audio("TR_b", 31)]);
        Assert.Equal(4, beforeAnswer.Description.Media.Count);
        Assert.Equal("3", beforeAnswer.MidByTrack["TR_b"]);
        Assert.True(builder.TryApplyAnswer(BrowserAnswer(builder, 4), out _, out _));

        var recycled = builder.CreateOffer([SdpTestData.Audio("TR_a", 11), SdpTestData.Audio("TR_b", 31), SdpTestData.Video("TR_c", 41)]);
        Assert.Equal(4, recycled.Description.Media.Count);
        Assert.Equal("4", recycled.MidByTrack["TR_c"]);
        Assert.Equal(("video", 9, "4"), (recycled.Description.Media[2].Kind, recycled.Description.Media[2].Port, recycled.Description.Media[2].Mid));
        Assert.Equal(["0", "1", "4", "3"], recycled.Description.BundleMids);
    }

    [Fact]
    public void TryApplyAnswer_Valid_ExtractsTransport()
    {
        var builder = NewBuilder();
        builder.CreateOffer([SdpTestData.Audio("TR_a", 11)]);
        var answer = BrowserAnswer(builder, 2);
        Assert.True(builder.TryApplyAnswer(answer, out var result, out var error), error.ToString());
        Assert.Equal(("brUf", "browserPassword012345678", SdpSetup.Active), (result.IceUfrag, result.IcePwd, result.Setup));
        Assert.Equal(new SdpFingerprint("sha-256", "AA:BB"), result.Fingerprint);
        Assert.Equal(["0", "1"], result.AcceptedMids);
        Assert.Equal(["1 1 udp 1 127.0.0.1 5000 typ host"], result.Candidates);
        Assert.False(builder.TryApplyAnswer(answer, out _, out error));   // nothing pending any more
        Assert.Equal(SdpErrorKind.NotAnAnswer, error.Kind);
    }

    [Theory]
    [InlineData("a=setup:active", "a=setup:passive", nameof(SdpErrorKind.BadSetup))]
    [InlineData("a=fingerprint:sha-256 AA:BB\r\n", "", nameof(SdpErrorKind.MissingFingerprint))]
    [InlineData("a=ice-pwd:browserPassword012345678\r\n", "", nameof(SdpErrorKind.MissingIceCredentials))]
    [InlineData("a=mid:1", "a=mid:9", nameof(SdpErrorKind.NotAnAnswer))]
    [InlineData("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 111\r\n", nameof(SdpErrorKind.NotAnAnswer))]
    public void TryApplyAnswer_Broken_Error(string find, string replace, string expected)
    {
        var builder = NewBuilder();
        builder.CreateOffer([SdpTestData.Audio("TR_a", 11)]);
        string answer = SdpWriter.Write(BrowserAnswer(builder, 2)).Replace(find, replace, StringComparison.Ordinal);
        Assert.False(builder.TryApplyAnswer(SdpTestData.Parse(answer), out _, out var error));
        Assert.Equal(expected, error.Kind.ToString());
    }

    [Fact]
    public void CreateOffer_ApplicationKindTrack_Throws()
    {
        var track = SdpTestData.Audio("TR_x", 1) with { Kind = "application" };
        Assert.Throws<ArgumentException>(() => NewBuilder().CreateOffer([track]));
    }

    [Fact]
    public void TryApplyAnswer_WrongSectionCount_Error()
    {
        var builder = NewBuilder();
        builder.CreateOffer([SdpTestData.Audio("TR_a", 11)]);
        Assert.False(builder.TryApplyAnswer(BrowserAnswer(builder, 1), out _, out var error));
        Assert.Equal(SdpErrorKind.NotAnAnswer, error.Kind);
    }

    [Fact]
    public void CreateOffer_FiftyTracks_SizeReported()
    {
        var tracks = Enumerable.Range(0, 50).Select(i => i % 2 == 0
            ? SdpTestData.Video($"TR_{Guid.NewGuid():N}", (uint)(100_000 + i * 2), $"PA_{i / 2:D4}")
            : SdpTestData.Audio($"TR_{Guid.NewGuid():N}", (uint)(200_000 + i), $"PA_{i / 2:D4}")).ToList();
        var offer = NewBuilder().CreateOffer(tracks);
        int bytes = Encoding.UTF8.GetByteCount(offer.Text);
        output.WriteLine($"50-track subscriber offer: {bytes} bytes, {offer.Text.Split("\r\n").Length - 1} lines");

        Assert.Equal(51, offer.Description.Media.Count);
        Assert.InRange(bytes, 10_000, SdpLimits.Default.MaxBytes / 2);
        Assert.True(SdpParser.TryParse(offer.Text, out var parsed, out _));   // our own parser accepts it
        Assert.Equal(offer.Text, SdpWriter.Write(parsed));
    }

    [Fact]
    public void CreateOffer_RandomRenegotiations_MidsStableUniqueAndSectionsNeverRemoved()
    {
        // Each step: a random subset of 12 possible tracks, and whether the browser answers before the next offer.
        var steps = Gen.Select(Gen.Int[0, (1 << 12) - 1], Gen.Bool).Array[1, 12];
        steps.Sample(sequence =>
        {
            var builder = NewBuilder();
            var everUsed = new HashSet<string>();
            var midOf = new Dictionary<string, string>();
            int sections = 0;
            foreach (var (mask, answered) in sequence)
            {
                var tracks = Enumerable.Range(0, 12).Where(i => (mask & (1 << i)) != 0)
                    .Select(i => i % 3 == 0 ? SdpTestData.Audio($"T{i}", (uint)i * 10 + 1) : SdpTestData.Video($"T{i}", (uint)i * 10 + 1)).ToList();
                var offer = builder.CreateOffer(tracks);
                var mids = offer.Description.Media.Select(m => m.Mid!).ToList();
                if (mids.Distinct().Count() != mids.Count) return false;                                  // unique within an offer
                if (offer.Description.Media.Count < sections) return false;                               // never removed
                sections = offer.Description.Media.Count;
                foreach (var (track, mid) in offer.MidByTrack)
                {
                    if (midOf.TryGetValue(track, out var old) && old != mid) return false;                // stable while offered
                    if (!midOf.ContainsKey(track) && everUsed.Contains(mid)) return false;                // never reused
                }
                midOf = new Dictionary<string, string>(offer.MidByTrack);
                everUsed.UnionWith(mids);
                if (offer.Description.BundleMids.Count != tracks.Count + 1) return false;                 // active sections only
                if (!SdpParser.TryParse(offer.Text, out var parsed, out _) || SdpWriter.Write(parsed) != offer.Text) return false;
                if (answered && !builder.TryApplyAnswer(BrowserAnswer(builder, offer.Description.Media.Count), out _, out _)) return false;
            }
            return true;
        }, iter: 300);
    }

    /// <summary>An answer shaped like Chromium's: active, its own credentials and fingerprint in each accepted section.</summary>
    private static SessionDescription BrowserAnswer(SubscriberOfferBuilder builder, int sections)
    {
        var offer = builder.PendingOffer!;
        var answer = new SessionDescription { SessionId = "1", SessionVersion = 2 };
        answer.Groups.Add(new SdpGroup("BUNDLE", [.. offer.BundleMids]));
        foreach (var offered in offer.Media.Take(sections))
        {
            var media = new MediaDescription { Kind = offered.Kind, Port = offered.Port == 0 ? 0 : 9, Proto = offered.Proto, Mid = offered.Mid };
            media.Formats.AddRange(offered.Formats);
            if (offered.Port != 0)
            {
                media.IceUfrag = "brUf";
                media.IcePwd = "browserPassword012345678";
                media.Fingerprints.Add(new SdpFingerprint("sha-256", "AA:BB"));
                media.Setup = SdpSetup.Active;
                if (answer.Media.Count == 0) media.Candidates.Add("1 1 udp 1 127.0.0.1 5000 typ host");
            }
            answer.Media.Add(media);
        }
        return SdpTestData.Parse(SdpWriter.Write(answer));
    }
}
