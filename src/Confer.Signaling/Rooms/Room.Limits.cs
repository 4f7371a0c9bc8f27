using System.Text;
using Confer.Signaling.Protocol;

namespace Confer.Signaling.Rooms;

/// <summary>
/// What a client frame may cost the server (docs/protocol.md, "Limits"): size caps by kind, then the sender's
/// byte budget, charged for every byte the server must send out because of the frame (its size times its
/// recipients). Budgets are kept by identity, not by participant or connection, so leaving and coming back
/// (resume, reconnect, a rejoin with the same identity) starts with what was left.
/// </summary>
internal sealed partial class Room
{
    /// <summary>What a frame costs besides the fields counted below (type, ids, JSON punctuation) in budget bytes.</summary>
    private const int FrameOverhead = 128;

    private readonly Dictionary<string, ByteBudget> _budgets = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks a client frame against the caps and the sender's budget; false after an <c>error</c> frame
    /// (<c>limit_exceeded</c>), and then the frame goes no further.
    /// </summary>
    private bool WithinLimitsLocked(Participant p, ClientMessage m)
    {
        if (OverCap(m) is { } problem) return Error(p, m, ErrorCodes.LimitExceeded, problem);
        var recipients = RecipientsLocked(p, m);
        if (recipients == 0) return true;
        var cost = (long)(FrameOverhead + Bytes(m.Sdp) + Bytes(m.Payload) + Bytes(m.Metadata) + Bytes(m.Name) + Bytes(m.Text)
            + Bytes(m.Topic) + CandidateBytes(m.Candidate)) * recipients;
        if (BudgetLocked(p.Identity.Value).TryTake(cost, _time)) return true;
        return Error(p, m, ErrorCodes.LimitExceeded,
            $"sending too fast: at most {_options.SenderBytesPerSecond} bytes per second to others (bursts of {_options.SenderByteBurst}); try again later");
    }

    /// <summary>A sentence naming the field over its cap, or null.</summary>
    private string? OverCap(ClientMessage m)
    {
        if (Bytes(m.Sdp) > _options.MaxSdpBytes) return $"'sdp' is larger than {_options.MaxSdpBytes} bytes";
        if (Bytes(m.Payload) > _options.MaxDataBytes) return $"'payload' is larger than {_options.MaxDataBytes} bytes";
        if (Bytes(m.Metadata) > _options.MaxMetadataBytes) return $"'metadata' is larger than {_options.MaxMetadataBytes} bytes";
        if (CandidateBytes(m.Candidate) > _options.MaxCandidateBytes) return $"'candidate' is larger than {_options.MaxCandidateBytes} bytes";
        return null;
    }

    /// <summary>How many participants a frame makes the server write to: 0 for those answered only to the sender.</summary>
    private int RecipientsLocked(Participant p, ClientMessage m) => m.Type switch
    {
        ClientTypes.Offer or ClientTypes.Answer or ClientTypes.Candidate => 1,
        ClientTypes.Data => m.DestinationIdentities is { Count: > 0 } d ? Math.Min(d.Count, _bySid.Count) : _bySid.Count - 1,
        ClientTypes.Chat or ClientTypes.UpdateMetadata or ClientTypes.PublishTrack or ClientTypes.UnpublishTrack or ClientTypes.MuteTrack => _bySid.Count,
        _ => 0,
    };

    /// <summary>
    /// The identity's budget, made full on first use. Past twice the room's size the table forgets budgets that
    /// have refilled (a full bucket is the same as a new one), so it stays bounded by the senders of the last moments.
    /// </summary>
    private ByteBudget BudgetLocked(string identity)
    {
        if (_budgets.TryGetValue(identity, out var budget)) return budget;
        if (_budgets.Count >= 2 * MaxParticipants + 16)
            foreach (var (key, old) in _budgets)
                if (old.IsFull(_time)) _budgets.Remove(key);
        budget = new ByteBudget(_options.SenderBytesPerSecond, _options.SenderByteBurst, _time.GetTimestamp());
        _budgets.Add(identity, budget);
        return budget;
    }

    /// <summary>
    /// Sends a frame a participant aimed at <paramref name="target"/> unless the target's queue is half full (then
    /// false): a flood aimed at one person is refused to its sender instead of getting that person closed as slow.
    /// </summary>
    private bool TryDeliverFromPeerLocked(Participant target, byte[] body) => target.TryDeliverFromPeer(body, _options.OutboundQueueBytes);

    /// <summary>
    /// Tells the sender its frame was not delivered (<c>limit_exceeded</c>) because of the recipient, not the frame:
    /// it does not count towards <c>MaxInvalidFrames</c>.
    /// </summary>
    private static bool Busy(Participant p, ClientMessage m, string message)
    {
        Error(p, m, ErrorCodes.LimitExceeded, message);
        return true;
    }

    /// <summary>Bytes the room's participants hold for their clients: replay rings and connection queues, each frame counted per holder.</summary>
    public long HeldBytes()
    {
        lock (_gate)
        {
            long n = 0;
            foreach (var p in _bySid.Values) n += p.RingBytes + p.QueuedBytes;
            return n;
        }
    }

    private static int Bytes(string? s) => s is null ? 0 : Encoding.UTF8.GetByteCount(s);

    private static int CandidateBytes(IceCandidate? c) => c is null ? 0 : Bytes(c.Candidate) + Bytes(c.SdpMid) + Bytes(c.UsernameFragment);
}
