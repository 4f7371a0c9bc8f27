using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Confer.Bench.Sfu.JanusSide;

/// <summary>
/// A Janus API session over its plain HTTP transport (Janus docs, "RESTful, HTTP API"): <c>create</c>, <c>attach</c>
/// handles, <c>message</c> requests whose answers come either at once (<c>success</c>) or later as <c>event</c>s with the
/// request's transaction on the session's long poll (<c>GET /janus/{session}?maxev=N</c>), and a keepalive every 20 s.
/// One session carries every handle of a run: one long poll instead of hundreds.
/// </summary>
internal sealed class JanusSession : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _session;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private long _transactions;

    private JanusSession(HttpClient http, Uri session)
    {
        _http = http;
        _session = session;
        _ = Task.Run(PollLoopAsync);
        _ = Task.Run(KeepaliveLoopAsync);
    }

    public static async Task<JanusSession> CreateAsync(Uri janus)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(70) };
        var created = await PostAsync(http, janus, new JsonObject { ["janus"] = "create" }, "c");
        long id = (long)created["data"]!["id"]!;
        return new JanusSession(http, new Uri($"{janus.AbsoluteUri.TrimEnd('/')}/{id}"));
    }

    public async Task<long> AttachAsync(string plugin)
    {
        var attached = await PostAsync(_http, _session, new JsonObject { ["janus"] = "attach", ["plugin"] = plugin }, NextTransaction());
        return (long)attached["data"]!["id"]!;
    }

    /// <summary>A synchronous plugin request (such as <c>create</c>): the plugin's data from the <c>success</c> answer.</summary>
    public async Task<JsonNode> RequestAsync(long handle, JsonObject body)
    {
        var answer = await PostAsync(_http, Handle(handle), new JsonObject { ["janus"] = "message", ["body"] = body }, NextTransaction());
        return answer["plugindata"]?["data"] ?? throw new InvalidOperationException($"janus: {answer.ToJsonString()}");
    }

    /// <summary>An asynchronous plugin request (join, publish, start, configure): the event that answers it, jsep and all.</summary>
    public async Task<JsonNode> MessageAsync(long handle, JsonObject body, JsonObject? jsep = null, CancellationToken cancel = default)
    {
        string transaction = NextTransaction();
        var answered = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[transaction] = answered;
        var message = new JsonObject { ["janus"] = "message", ["body"] = body };
        if (jsep is not null) message["jsep"] = jsep;
        try
        {
            var ack = await PostAsync(_http, Handle(handle), message, transaction);
            if ((string?)ack["janus"] != "ack") answered.TrySetResult(ack);
            var result = await answered.Task.WaitAsync(TimeSpan.FromSeconds(60), cancel);
            if (result["plugindata"]?["data"]?["error"] is { } error) throw new InvalidOperationException($"janus videoroom: {error}");
            return result;
        }
        finally
        {
            _pending.TryRemove(transaction, out _);
        }
    }

    private Uri Handle(long handle) => new($"{_session.AbsoluteUri}/{handle}");

    private string NextTransaction() => $"t{Interlocked.Increment(ref _transactions)}";

    private static async Task<JsonNode> PostAsync(HttpClient http, Uri to, JsonObject request, string transaction)
    {
        request["transaction"] = transaction;
        using var response = await http.PostAsJsonAsync(to, request);
        var answer = await response.Content.ReadFromJsonAsync<JsonNode>() ?? throw new InvalidOperationException("janus sent no JSON");
        if ((string?)answer["janus"] == "error") throw new InvalidOperationException($"janus: {answer["error"]?.ToJsonString()}");
        return answer;
    }

    private async Task PollLoopAsync()
    {
        var poll = new Uri($"{_session.AbsoluteUri}?maxev=100");
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var events = await _http.GetFromJsonAsync<JsonNode>(poll, _stop.Token);
                foreach (var e in events is JsonArray array ? array : new JsonArray(events?.DeepClone()))
                    if (e?["transaction"] is { } t && _pending.TryGetValue((string)t!, out var waiting)) waiting.TrySetResult(e);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                if (!_stop.IsCancellationRequested) await Task.Delay(100);
            }
        }
    }

    private async Task KeepaliveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(20), _stop.Token);
                await PostAsync(_http, _session, new JsonObject { ["janus"] = "keepalive" }, NextTransaction());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await PostAsync(_http, _session, new JsonObject { ["janus"] = "destroy" }, "d");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
        }
        _http.Dispose();
    }
}
