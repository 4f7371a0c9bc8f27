using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Server.Tests.Tls;

/// <summary>A real TLS client: connects, completes a handshake (trusting any certificate) and reports what the server sent.</summary>
internal static class TlsProbe
{
    public sealed record Result(string Thumbprint, string Subject, SslApplicationProtocol Protocol, SslStream Stream, TcpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync();
            Client.Dispose();
        }
    }

    public static async Task<Result> HandshakeAsync(IPEndPoint endPoint, string targetHost, params SslApplicationProtocol[] alpn)
    {
        var client = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await client.ConnectAsync(endPoint.Address, endPoint.Port, timeout.Token);
            var stream = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                ApplicationProtocols = alpn.Length == 0 ? null : [.. alpn],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, timeout.Token);
            var certificate = (X509Certificate2)stream.RemoteCertificate!;
            return new Result(certificate.Thumbprint, certificate.Subject, stream.NegotiatedApplicationProtocol, stream, client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public static async Task<string> ThumbprintAsync(IPEndPoint endPoint, params SslApplicationProtocol[] alpn)
    {
        await using var result = await HandshakeAsync(endPoint, "localhost", alpn);
        return result.Thumbprint;
    }

    /// <summary>Handshakes until the server presents <paramref name="thumbprint"/> (reloads are asynchronous), at most <paramref name="timeout"/>.</summary>
    public static async Task<string> WaitForThumbprintAsync(IPEndPoint endPoint, string thumbprint, TimeSpan timeout, params SslApplicationProtocol[] alpn)
    {
        var deadline = DateTime.UtcNow + timeout;
        string seen;
        do
        {
            seen = await ThumbprintAsync(endPoint, alpn);
            if (seen == thumbprint) return seen;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        return seen;
    }
}
