using System.Net;
using System.Net.Sockets;
using Confer.Transport.Streams;
using Confer.Transport.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Confer.Transport.Tests.Engine.EpollEngineTests;

namespace Confer.Transport.Tests.Streams;

/// <summary>
/// The queue of a client served by Kestrel (TLS, and TCP without the engine) is bounded in bytes: beyond, messages are
/// dropped, and a client that never reads what comes back is closed once its queue has stayed full for the stall time,
/// rather than the server holding its connection and buffers for it.
/// </summary>
public sealed class StreamClientQueueTests
{
    [Fact]
    public async Task ClientThatDoesNotRead_IsClosed_OnceItsQueueStaysFull()
    {
        using var guard = new StreamConnectionGuard(new TransportOptions { ClientQueueBytes = 64 * 1024, StallTimeout = TimeSpan.FromSeconds(1) });
        await using var app = await StartAsync(new EchoHandler(), guard);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.ReceiveBufferSize = 64 * 1024; // the kernel holds little for it: the server's queue fills sooner
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port));

        // Every frame is echoed; the client reads none of it, and keeps sending (about 25 MB/s) until it is closed.
        var frame = LengthFramer.Frame(new byte[0x7FFF]);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (int i = 0; watch.Elapsed < TimeSpan.FromSeconds(30) && guard.Metrics.ClosedCount("slow_reader") == 0; i++)
            {
                await client.SendAsync(frame, SocketFlags.None);
                if (i % 8 == 7) await Task.Delay(10);
            }
        }
        catch (SocketException)
        {
            // Closed by the server: what is expected.
        }
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {watch.Elapsed}: a full queue alone is no reason, only one that stays full");
        await WaitUntilAsync(() => guard.Metrics.ClosedCount("slow_reader") == 1);
        await WaitUntilAsync(() => guard.Open == 0);
    }

    private static async Task<WebApplication> StartAsync(EchoHandler handler, StreamConnectionGuard guard)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IPacketHandler>(handler);
        builder.Services.AddSingleton<IStreamFramer>(LengthFramer.Instance);
        builder.Services.AddSingleton(guard);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.UseStreamConnectionGuard(tls: false);
            l.UseConnectionHandler<StreamConnectionHandler>();
        }));
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
