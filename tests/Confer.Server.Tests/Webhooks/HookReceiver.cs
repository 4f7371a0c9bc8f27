using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confer.Server.Tests.Webhooks;

/// <summary>One POST as the receiver saw it.</summary>
internal sealed record HookRequest(int Index, string Body, string? Authorization, string? ContentType, int Status, DateTimeOffset At)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string Event => Json.GetProperty("event").GetString()!;
    public string? RoomName => Json.TryGetProperty("room", out var r) ? r.GetProperty("name").GetString() : null;
    public string Id => Json.GetProperty("id").GetString()!;
}

/// <summary>
/// A real HTTP receiver on Kestrel, port 0: records every POST to <c>/hook</c> and answers with the status
/// <c>behave(index, abort)</c> returns (which may wait, to play a slow or hanging receiver).
/// </summary>
internal sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<HookRequest> _requests = new();
    private int _count;

    private HookReceiver(Func<int, CancellationToken, Task<int>> behave)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext context) =>
        {
            var index = Interlocked.Increment(ref _count) - 1;
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            int status;
            try { status = await behave(index, context.RequestAborted); }
            catch (OperationCanceledException) { status = 499; } // the sender gave up (its timeout)
            _requests.Enqueue(new HookRequest(index, body, context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
                context.Request.ContentType, status, DateTimeOffset.UtcNow));
            return Results.StatusCode(status);
        });
    }

    public static async Task<HookReceiver> StartAsync(Func<int, CancellationToken, Task<int>>? behave = null)
    {
        var receiver = new HookReceiver(behave ?? ((_, _) => Task.FromResult(200)));
        await receiver._app.StartAsync();
        return receiver;
    }

    public string Url => ConferHostAddress() + "hook";

    /// <summary>Requests that reached the handler so far (answered ones; in arrival order).</summary>
    public IReadOnlyList<HookRequest> Requests => [.. _requests.OrderBy(r => r.Index)];

    /// <summary>Requests the receiver answered 2xx, in arrival order.</summary>
    public IReadOnlyList<HookRequest> Accepted => [.. Requests.Where(r => r.Status is >= 200 and < 300)];

    public int Count => Volatile.Read(ref _count);

    /// <summary>Waits until <paramref name="done"/> holds for the accepted requests (bounded in time).</summary>
    public async Task<IReadOnlyList<HookRequest>> WaitAsync(Func<IReadOnlyList<HookRequest>, bool> done, int timeoutMs = 15000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var accepted = Accepted;
            if (done(accepted)) return accepted;
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"webhooks not as expected within {timeoutMs} ms; got: {string.Join(", ", accepted.Select(r => $"{r.RoomName}:{r.Event}"))}");
            await Task.Delay(20);
        }
    }

    private string ConferHostAddress()
    {
        var addresses = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return addresses.First().TrimEnd('/') + "/";
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await _app.StopAsync(cts.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
