using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Confer.Server.Tls;

namespace Confer.Server.Tests.Tls;

/// <summary>
/// The ClientHello reader on what a real TLS client sends (.NET's SslStream over OpenSSL): the ALPN list is read
/// exactly; every prefix is "incomplete"; mutated bytes never throw; other first bytes are not a ClientHello.
/// </summary>
public sealed class ClientHelloTests
{
    [Fact]
    public async Task RealClientHello_OfferingAcmeTls1AndH2_YieldsBothInOrder()
    {
        var hello = await CaptureAsync([ServerCertificates.AcmeTls1, SslApplicationProtocol.Http2]);
        Assert.Equal(ClientHello.Status.Parsed, ClientHello.TryRead(new ReadOnlySequence<byte>(hello), out var alpn));
        Assert.Equal([ServerCertificates.AcmeTls1, SslApplicationProtocol.Http2], alpn);
    }

    [Fact]
    public async Task RealClientHello_WithoutAlpn_YieldsAnEmptyList()
    {
        var hello = await CaptureAsync(null);
        Assert.Equal(ClientHello.Status.Parsed, ClientHello.TryRead(new ReadOnlySequence<byte>(hello), out var alpn));
        Assert.Empty(alpn);
    }

    [Fact]
    public async Task EveryPrefix_IsIncomplete_AndMutationsNeverThrow()
    {
        var hello = await CaptureAsync([ServerCertificates.AcmeTls1]);
        for (int length = 0; length < hello.Length; length++)
            Assert.Equal(ClientHello.Status.Incomplete, ClientHello.TryRead(new ReadOnlySequence<byte>(hello, 0, length), out _));

        var random = new Random(8737);
        for (int i = 0; i < 5000; i++)
        {
            var mutated = (byte[])hello.Clone();
            for (int j = random.Next(1, 4); j > 0; j--) mutated[random.Next(5, mutated.Length)] = (byte)random.Next(256);
            ClientHello.TryRead(new ReadOnlySequence<byte>(mutated), out var alpn); // any status, never an exception
            Assert.NotNull(alpn);
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("\x16\x03\x01\x00\x00")]
    public void NotTls_IsSaidAtOnce(string start)
    {
        var bytes = System.Text.Encoding.Latin1.GetBytes(start);
        Assert.Equal(ClientHello.Status.NotAClientHello, ClientHello.TryRead(new ReadOnlySequence<byte>(bytes), out _));
    }

    /// <summary>The first TLS record a real client sends, read off a loopback socket (no server answers it).</summary>
    private static async Task<byte[]> CaptureAsync(List<SslApplicationProtocol>? alpn)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptTcpClientAsync();
        var ssl = new SslStream(client.GetStream());
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "meet.example.test", ApplicationProtocols = alpn });

        var stream = accepted.GetStream();
        var header = new byte[5];
        await stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var record = new byte[5 + ((header[3] << 8) | header[4])];
        header.CopyTo(record, 0);
        await stream.ReadExactlyAsync(record.AsMemory(5)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        accepted.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        await ssl.DisposeAsync();
        return record;
    }
}
