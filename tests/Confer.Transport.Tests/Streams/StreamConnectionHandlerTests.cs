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

/// <summary>The Kestrel connection handler with the tests' framer: frames across reads, a foreign stream, a takeover.</summary>
public sealed class StreamConnectionHandlerTests
{
    [Fact]
    public async Task Frames_SplitAcrossWrites_AreHandedOverWhole()
    {
        var handler = new EchoHandler();
        await using var app = await StartAsync(handler);
        using var client = await ConnectAsync(app);
        var one = LengthFramer.Frame("hello"u8);
        var two = LengthFramer.Frame(new byte[20000]);
        byte[] both = [.. one, .. two];
        for (int i = 0; i < both.Length; i += 1500) await client.SendAsync(both.AsMemory(i, Math.Min(1500, both.Length - i)));
        Assert.Equal(one, await ReadExactlyAsync(client, one.Length));
        Assert.Equal(two, await ReadExactlyAsync(client, two.Length));
        client.Shutdown(SocketShutdown.Send);
        await WaitUntilAsync(() => handler.Closed.Count == 1);
        Assert.Equal(2, handler.Packets);
    }

    [Fact]
    public async Task NotTheFramersProtocol_IsClosedWithoutAReply()
    {
        var handler = new EchoHandler();
        await using var app = await StartAsync(handler);
        using var client = await ConnectAsync(app);
        await client.SendAsync(new byte[] { 0xFF, 0xFF, 1, 2 });
        using var cts = new CancellationTokenSource(5000);
        Assert.Equal(0, await client.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token));
        Assert.Equal(0, handler.Packets);
    }

    [Fact]
    public async Task TakenOverByItsHandler_CarriesRawBytes()
    {
        var handler = new EchoHandler();
        await using var app = await StartAsync(handler);
        using var client = await ConnectAsync(app);
        var take = LengthFramer.Frame(EchoHandler.Take);
        byte[] first = [.. take, 0xFF, 0xFE];
        await client.SendAsync(first);
        Assert.Equal(take, await ReadExactlyAsync(client, take.Length));
        Assert.Equal([0xFF, 0xFE], await ReadExactlyAsync(client, 2));
        await client.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF });
        Assert.Equal([0xFF, 0xFF, 0xFF], await ReadExactlyAsync(client, 3));
    }

    private static async Task<WebApplication> StartAsync(EchoHandler handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IPacketHandler>(handler);
        builder.Services.AddSingleton<IStreamFramer>(LengthFramer.Instance);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseConnectionHandler<StreamConnectionHandler>()));
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }

    private static async Task<Socket> ConnectAsync(WebApplication app)
    {
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port));
        return client;
    }
}
