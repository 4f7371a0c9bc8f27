using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confer.Bench.Sfu.Rtc;
using Confer.Signaling.Auth;

namespace Confer.Bench.Sfu.ConferSide;

/// <summary>
/// One participant through Confer's real signaling (protocol 2 over a WebSocket, docs/protocol.md "Through Confer's SFU"):
/// announces its camera and microphone (<c>publishTrack</c>), sends the publisher offer, answers every subscriber offer,
/// asks for each video at the tile size of the row (<c>updateSubscription</c>) and pings as the protocol asks.
/// </summary>
internal sealed class ConferParticipant : IBenchParticipant
{
    private readonly ClientWebSocket _ws = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Dictionary<string, TaskCompletionSource<string>> _published = [];
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _publisherAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _sized = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly RowSetup _row;
    private Task? _subscriberConnect;

    private ConferParticipant(RowSetup row) => _row = row;

    public MediaPeer? Publisher { get; private set; }
    public MediaPeer? Subscriber { get; private set; }
    public int OfferedTracks { get; private set; }
    public string? Failure { get; private set; }

    public static async Task<ConferParticipant> JoinAsync(Uri http, string key, string secret, RowSetup row, string identity, bool publish, CancellationToken cancel)
    {
        var p = new ConferParticipant(row);
        var grant = new VideoGrant { Room = row.Room, RoomJoin = true, CanPublish = publish };
        var token = AccessTokenBuilder.Create(key, secret, identity, grant, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var ws = new UriBuilder(http) { Scheme = http.Scheme == "https" ? "wss" : "ws", Path = "/rtc", Query = $"access_token={token}&protocol=2" };
        p._ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await p._ws.ConnectAsync(ws.Uri, cancel);
        _ = Task.Run(p.ReceiveLoopAsync, CancellationToken.None);
        _ = Task.Run(p.PingLoopAsync, CancellationToken.None);
        await p._joined.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel);
        if (publish) await p.PublishAsync(cancel);
        return p;
    }

    private async Task PublishAsync(CancellationToken cancel)
    {
        var audio = Expect("a");
        var video = Expect("v");
        await SendAsync(new JsonObject { ["type"] = "publishTrack", ["cid"] = "a", ["kind"] = "audio", ["source"] = "microphone", ["muted"] = false });
        await SendAsync(new JsonObject { ["type"] = "publishTrack", ["cid"] = "v", ["kind"] = "video", ["source"] = "camera", ["muted"] = false, ["width"] = 1280, ["height"] = 720 });
        string audioSid = await audio.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel), videoSid = await video.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel);
        var peer = new MediaPeer(_row.Address, _row.Certificate, controlling: true);
        var source = new SyntheticPublisher(peer);
        Publisher = peer;
        await SendAsync(new JsonObject { ["type"] = "publisherOffer", ["sdp"] = SdpText.PublisherOffer(peer, source, audioSid, videoSid) });
        var answer = SdpText.Parse(await _publisherAnswer.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel));
        SdpText.ApplyPublisherAnswer(answer, peer, source);
        _row.Pump.Add(peer);
        await peer.ConnectAsync(_row.Handshakes, cancel);
        _row.Pump.Add(source);
        source.Enabled = true;
    }

    private TaskCompletionSource<string> Expect(string cid)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_published) _published[cid] = tcs;
        return tcs;
    }

    public Task SubscribeAsync(IEnumerable<int> publishers, CancellationToken cancel) => Task.CompletedTask;

    public Task ConnectedAsync() => _subscriberConnect ?? Task.CompletedTask;

    private async Task OnSubscriberOfferAsync(JsonNode message)
    {
        var offer = SdpText.Parse((string)message["sdp"]!);
        if (Subscriber is null)
        {
            Subscriber = new MediaPeer(_row.Address, _row.Certificate, controlling: true, new ReceiveStats());
            SdpText.ApplyRemote(offer, Subscriber);
            _row.Pump.Add(Subscriber);
        }
        var twcc = offer.Media.SelectMany(m => m.ExtMaps).FirstOrDefault(e => e.Uri == SdpText.TransportCcUri);
        if (twcc is not null) Subscriber.Stats!.UseTransportCc((byte)twcc.Id);
        await SendAsync(new JsonObject { ["type"] = "subscriberAnswer", ["sdp"] = SdpText.SubscriberAnswer(offer, Subscriber) });
        _subscriberConnect ??= Subscriber.ConnectAsync(_row.Handshakes, _stop.Token);
        int tracks = 0;
        foreach (var track in message["tracks"]!.AsArray())
        {
            tracks++;
            string mid = (string)track!["mid"]!, sid = (string)track["trackSid"]!;
            if (offer.FindMid(mid)?.Kind != "video" || !_sized.Add(sid)) continue;
            await SendAsync(new JsonObject
            {
                ["type"] = "updateSubscription", ["trackSid"] = sid, ["subscribed"] = true,
                ["width"] = _row.Layer.Width, ["height"] = _row.Layer.Height,
            });
        }
        OfferedTracks = tracks;
    }

    private async Task ReceiveLoopAsync()
    {
        var frame = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (true)
            {
                // One text frame may come in several reads: collect it whole, then parse.
                frame.ResetWrittenCount();
                ValueWebSocketReceiveResult part;
                do
                {
                    part = await _ws.ReceiveAsync(frame.GetMemory(16 * 1024), CancellationToken.None);
                    frame.Advance(part.Count);
                }
                while (!part.EndOfMessage && part.MessageType != WebSocketMessageType.Close);
                if (part.MessageType == WebSocketMessageType.Close) break;
                var message = JsonNode.Parse(frame.WrittenSpan)!;
                switch ((string?)message["type"])
                {
                    case "join":
                        _joined.TrySetResult();
                        break;
                    case "trackPublished":
                        OnTrackPublished(message);
                        break;
                    case "publisherAnswer":
                        _publisherAnswer.TrySetResult((string)message["sdp"]!);
                        break;
                    case "subscriberOffer":
                        await OnSubscriberOfferAsync(message);
                        break;
                    case "error":
                        Failure ??= message.ToJsonString();
                        break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            Failure ??= e.Message;
        }
        if (_ws.CloseStatus is { } status && status != WebSocketCloseStatus.NormalClosure) Failure ??= $"closed {(int)status} {_ws.CloseStatusDescription}";
        _joined.TrySetException(new InvalidOperationException(Failure ?? "closed before join"));
    }

    private void OnTrackPublished(JsonNode message)
    {
        if (message["track"]?["cid"] is not { } cid) return;
        lock (_published)
            if (_published.TryGetValue((string)cid!, out var tcs)) tcs.TrySetResult((string)message["track"]!["sid"]!);
    }

    private async Task PingLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(4), _stop.Token);
                await SendAsync(new JsonObject { ["type"] = "ping", ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendAsync(JsonObject message)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sendLock.WaitAsync();
        try
        {
            await _ws.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            Failure ??= e.Message;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        _ws.Dispose();
        Publisher?.Dispose();
        Subscriber?.Dispose();
    }
}
