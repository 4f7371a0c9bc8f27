using System.Text;
using Confer.Transport.Classification;

namespace Confer.Transport.Tests.Classification;

/// <summary>The first bytes of a TCP connection: TLS, STUN, ChannelData, HTTP/1.x and HTTP/2, and "need more" when too short.</summary>
public sealed class StreamClassifierTests
{
    [Theory]
    [InlineData("16 03 01 02 00 01 00 01 fc", StreamKind.Tls)]  // ClientHello record, TLS 1.0 record version
    [InlineData("16 03 03 00 10", StreamKind.Tls)]              // TLS 1.2 record version
    [InlineData("16 03", StreamKind.Tls)]
    [InlineData("16 02", StreamKind.Unknown)]                   // SSL 2 record version: not TLS
    [InlineData("00 03 00 00 21 12 a4 42", StreamKind.Stun)]    // Allocate request, magic cookie
    [InlineData("00 01 00 00 21 12 a4 42 00 00", StreamKind.Stun)] // Binding request
    [InlineData("01 01 00 0c 21 12 a4 42", StreamKind.Stun)]    // Binding success
    [InlineData("00 01 00 00 00 00 00 00", StreamKind.Unknown)] // no cookie (RFC 3489): not served
    [InlineData("40 00 00 04 01 02 03 04", StreamKind.ChannelData)]
    [InlineData("4f ff 00 00", StreamKind.ChannelData)]
    [InlineData("40", StreamKind.ChannelData)]                  // '@' begins no method
    [InlineData("47 00", StreamKind.ChannelData)]               // 'G' then not 'E': channel 0x4700
    [InlineData("50 00", StreamKind.Unknown)]                   // 'P' then not a method: 0x50 is outside ChannelData
    [InlineData("ff ff", StreamKind.Unknown)]
    [InlineData("80 60 00 01", StreamKind.Unknown)]             // RTP on a stream without framing
    public void FirstBytes(string hex, StreamKind expected)
    {
        Assert.True(StreamClassifier.TryClassify(Convert.FromHexString(hex.Replace(" ", "")), out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("POST /twirp HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("PUT /x HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("HEAD / HTTP/1.0\r\n", StreamKind.Http)]
    [InlineData("DELETE /rooms/a HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("OPTIONS * HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("CONNECT host:443 HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("PATCH /x HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("TRACE / HTTP/1.1\r\n", StreamKind.Http)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", StreamKind.Http2)]
    [InlineData("GETX", StreamKind.ChannelData)]               // not a method after all: 'G' is in ChannelData's range
    [InlineData("DEL!", StreamKind.ChannelData)]
    [InlineData("POSTMAN", StreamKind.Unknown)]
    public void HttpRequestLines(string text, StreamKind expected)
    {
        Assert.True(StreamClassifier.TryClassify(Encoding.ASCII.GetBytes(text), out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("16")]                       // TLS? the version byte decides
    [InlineData("00 01 00 00 21 12 a4")]     // STUN? the cookie's last byte decides
    [InlineData("47")]                       // "G": GET or ChannelData
    [InlineData("47 45 54")]                 // "GET" without the space
    [InlineData("50 52 49 20")]              // "PRI " without the "*"
    [InlineData("4f 50 54 49 4f 4e 53")]     // "OPTIONS" without the space: the longest wait
    public void TooShort_NeedsMore(string hex)
    {
        Assert.False(StreamClassifier.TryClassify(Convert.FromHexString(hex.Replace(" ", "")), out _));
    }

    [Fact]
    public void MaxNeeded_AlwaysSuffices()
    {
        var random = new Random(7983);
        var head = new byte[StreamClassifier.MaxNeeded];
        for (int i = 0; i < 100_000; i++)
        {
            random.NextBytes(head);
            if (i % 3 == 0) head[0] = (byte)random.Next(0, 4);
            if (i % 5 == 0) head[0] = (byte)random.Next(0x40, 0x50);
            Assert.True(StreamClassifier.TryClassify(head, out _), Convert.ToHexString(head));
        }
        foreach (var method in new[] { "CONNECT ", "OPTIONS ", "DELETE /", "PRI * HT" })
            Assert.True(StreamClassifier.TryClassify(Encoding.ASCII.GetBytes(method), out _), method);
    }
}
