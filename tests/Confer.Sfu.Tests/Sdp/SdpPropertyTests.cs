using System.Text;
using Confer.Sfu.Sdp;
using CsCheck;

namespace Confer.Sfu.Tests.Sdp;

/// <summary>Random and mutated SDP never throws, and whatever parses round-trips through the writer.</summary>
public sealed class SdpPropertyTests
{
    private const int Iterations = 3_000;

    private static readonly string[] Seeds = [.. CapturedSdp.All.Select(CapturedSdp.Read)];

    private static readonly string[] Fragments =
    [
        "\r\n", "\n", "\r", " ", ":", "/", ";", ",", "~", "=", "a=", "m=", "v=0", "0", "-1", "4294967296", "99999999999999999999",
        "a=rtpmap:", "a=fmtp:", "a=rtcp-fb:*", "a=extmap:", "a=rid:", "a=simulcast:", "a=ssrc:", "a=ssrc-group:FID",
        "a=group:BUNDLE", "a=mid:", "m=video 0 UDP/TLS/RTP/SAVPF", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "a=sctp-port:", "a=max-message-size:", "a=fingerprint:", "a=setup:", "é", "\u0000", "\uFFFF", "\uD800",
    ];

    /// <summary>Captured offers cut, spliced, duplicated and sprinkled with SDP fragments.</summary>
    private static readonly Gen<string> Mutations =
        from seed in Gen.Int[0, Seeds.Length - 1]
        from edits in Gen.Select(Gen.Int[0, 4], Gen.Int[0, 100_000], Gen.Int[0, Fragments.Length - 1], Gen.Int[0, 400]).Array[1, 8]
        select Mutate(Seeds[seed], edits);

    private static string Mutate(string text, (int Kind, int Position, int Fragment, int Length)[] edits)
    {
        var builder = new StringBuilder(text);
        foreach (var (kind, position, fragment, length) in edits)
        {
            int at = builder.Length == 0 ? 0 : position % builder.Length;
            int count = Math.Min(length, builder.Length - at);
            switch (kind)
            {
                case 0: builder.Insert(at, Fragments[fragment]); break;
                case 1: builder.Remove(at, count); break;
                case 2: builder.Insert(at, builder.ToString(at, count)); break;
                case 3: builder.Remove(at, count).Insert(at, Fragments[fragment]); break;
                default: if (builder.Length > 0) builder[at] = (char)(builder[at] ^ (1 << (length % 7))); break;
            }
        }
        return builder.ToString();
    }

    [Fact]
    public void TryParse_RandomText_NeverThrows() =>
        Gen.String[Gen.Char[(char)0, (char)127], 0, 400].Select(s => "v=0\r\n" + s).Sample(Probe, iter: Iterations);

    [Fact]
    public void TryParse_RandomLinesOfFragments_NeverThrows() =>
        Gen.Int[0, Fragments.Length - 1].Array[0, 60].Select(ids => "v=0\r\n" + string.Concat(ids.Select(i => Fragments[i])))
            .Sample(Probe, iter: Iterations);

    [Fact]
    public void TryParse_RandomBytes_NeverThrows() =>
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            if (SdpParser.TryParse(bytes, out var description, out _)) Exercise(description);
        }, iter: Iterations);

    [Fact]
    public void TryParse_MutatedChromiumOffers_NeverThrowAndRoundTrip() => Mutations.Sample(Probe, iter: Iterations);

    private static void Probe(string text)
    {
        if (SdpParser.TryParse(text, out var description, out _)) Exercise(description);
    }

    /// <summary>Writer, re-parse, and both builders on whatever parsed: none may throw; the writer's output is a fixed point.</summary>
    private static void Exercise(SessionDescription description)
    {
        string written = SdpWriter.Write(description);
        if (!SdpParser.TryParse(written, out var again, out var error)) throw new InvalidOperationException($"written SDP did not parse: {error}");
        string rewritten = SdpWriter.Write(again);
        if (rewritten != written)
        {
            var a = written.Split("\r\n");
            var b = rewritten.Split("\r\n");
            int i = 0;
            while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
            throw new InvalidOperationException($"round trip changed line {i + 1}: '{(i < a.Length ? a[i] : "")}' became '{(i < b.Length ? b[i] : "")}'");
        }

        if (PublisherAnswerBuilder.TryBuild(description, SdpTestData.Server, SdpTestData.Answer, out var answer, out _, out _))
        {
            if (!SdpParser.TryParse(SdpWriter.Write(answer), out _, out error)) throw new InvalidOperationException($"answer did not parse: {error}");
        }
        var builder = new SubscriberOfferBuilder(SdpTestData.Server, SdpTestData.Offer);
        builder.CreateOffer([SdpTestData.Audio("TR_a", 1)]);
        builder.TryApplyAnswer(description, out _, out _);
    }
}
