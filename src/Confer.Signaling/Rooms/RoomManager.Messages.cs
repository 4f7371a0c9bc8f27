using System.Buffers.Text;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;

namespace Confer.Signaling.Rooms;

public sealed partial class RoomManager
{
    public const int MaxChatLength = 4000;
    public const int MaxNameLength = 256;

    /// <summary>
    /// Carries out one client frame. Returns false when the frame earned an <c>error</c> (the connection
    /// counts those); frames from a connection that no longer owns the participant are ignored.
    /// </summary>
    public bool Handle(Participant p, IParticipantSink sink, ClientMessage m)
    {
        if (m.V is { } v && v != Frame.Version)
            return Error(sink, m, ErrorCodes.UnsupportedVersion, $"protocol version {v} is not supported; this server speaks 1");
        switch (m.Type)
        {
            case ClientTypes.Ping:
                if (m.LastSeen is > 0 and var acked)
                    lock (p.Room.Gate)
                        if (Owns(p, sink)) p.Acknowledge(acked);
                sink.TrySend(Frame.Local(new PongMessage(m.Timestamp ?? 0, time.GetUtcNow().ToUnixTimeMilliseconds())));
                return true;
            case ClientTypes.Offer:
            case ClientTypes.Answer:
                if (string.IsNullOrEmpty(m.To) || string.IsNullOrEmpty(m.Sdp))
                    return Error(sink, m, ErrorCodes.InvalidMessage, $"{m.Type} needs 'to' and 'sdp'");
                return Forward(p, sink, m, m.Type == ClientTypes.Offer
                    ? new OfferMessage(p.Sid, p.Identity, m.Sdp)
                    : new AnswerMessage(p.Sid, p.Identity, m.Sdp));
            case ClientTypes.Candidate:
                if (string.IsNullOrEmpty(m.To)) return Error(sink, m, ErrorCodes.InvalidMessage, "candidate needs 'to'");
                return Forward(p, sink, m, new CandidateMessage(p.Sid, p.Identity, m.Candidate));
            case ClientTypes.PublishTrack: return PublishTrack(p, sink, m);
            case ClientTypes.UnpublishTrack: return UnpublishTrack(p, sink, m);
            case ClientTypes.MuteTrack: return MuteTrack(p, sink, m);
            case ClientTypes.Data: return SendData(p, sink, m);
            case ClientTypes.Chat: return Chat(p, sink, m);
            case ClientTypes.UpdateMetadata: return UpdateMetadata(p, sink, m);
            case ClientTypes.Leave:
                lock (p.Room.Gate)
                    if (Owns(p, sink)) RemoveLocked(p, LeaveReasons.Left, CloseCodes.Normal, "left");
                return true;
            case null:
                return Error(sink, m, ErrorCodes.UnknownType, "the frame has no 'type'");
            default:
                return Error(sink, m, ErrorCodes.UnknownType, $"unknown type '{Truncate(m.Type)}'");
        }
    }

    private bool Forward(Participant p, IParticipantSink sink, ClientMessage m, ServerMessage message)
    {
        var body = Frame.Serialize(message);
        lock (p.Room.Gate)
        {
            if (!Owns(p, sink)) return true;
            var target = p.Room.Find(m.To!);
            if (target is null || ReferenceEquals(target, p))
                return Error(sink, m, ErrorCodes.UnknownParticipant, $"no participant '{Truncate(m.To!)}' in room '{p.Room.Name}'");
            target.Deliver(body);
        }
        return true;
    }

    private bool PublishTrack(Participant p, IParticipantSink sink, ClientMessage m)
    {
        var source = m.Source ?? (m.Kind == "audio" ? "microphone" : "camera");
        if (string.IsNullOrEmpty(m.Cid) || m.Cid.Length > 128 || !TrackKinds.IsValid(m.Kind) || !TrackSources.IsValid(source))
            return Error(sink, m, ErrorCodes.InvalidMessage, "publishTrack needs 'cid', 'kind' (audio|video) and a known 'source'");
        if (p.Hidden) return Error(sink, m, ErrorCodes.PermissionDenied, "hidden participants cannot publish");
        if (!p.Permission.MayPublishSource(source))
            return Error(sink, m, ErrorCodes.PermissionDenied, p.Permission.CanPublish ? $"the token may not publish '{source}'" : "the token has no canPublish grant");
        lock (p.Room.Gate)
        {
            if (!Owns(p, sink)) return true;
            if (p.Tracks.Count >= options.MaxTracksPerParticipant)
                return Error(sink, m, ErrorCodes.LimitExceeded, $"at most {options.MaxTracksPerParticipant} tracks per participant");
            var track = new TrackInfo(Sids.Track(), m.Cid, m.Kind!, source, m.Name is { Length: <= MaxNameLength } n ? n : null,
                m.Muted ?? false, m.Width, m.Height);
            p.Tracks.Add(track.Sid, track);
            p.Deliver(Frame.Serialize(new TrackPublishedMessage(p.Sid, track)));
            p.Room.Broadcast(Frame.Serialize(new TrackPublishedMessage(p.Sid, track with { Cid = null })), p);
        }
        return true;
    }

    private bool UnpublishTrack(Participant p, IParticipantSink sink, ClientMessage m)
    {
        if (string.IsNullOrEmpty(m.TrackSid)) return Error(sink, m, ErrorCodes.InvalidMessage, "unpublishTrack needs 'trackSid'");
        lock (p.Room.Gate)
        {
            if (!Owns(p, sink)) return true;
            if (!p.Tracks.Remove(m.TrackSid)) return Error(sink, m, ErrorCodes.UnknownTrack, $"no track '{Truncate(m.TrackSid)}' of yours");
            p.Room.Broadcast(Frame.Serialize(new TrackUnpublishedMessage(p.Sid, m.TrackSid)), null);
        }
        return true;
    }

    private bool MuteTrack(Participant p, IParticipantSink sink, ClientMessage m)
    {
        if (string.IsNullOrEmpty(m.TrackSid) || m.Muted is not { } muted)
            return Error(sink, m, ErrorCodes.InvalidMessage, "muteTrack needs 'trackSid' and 'muted'");
        lock (p.Room.Gate)
        {
            if (!Owns(p, sink)) return true;
            if (!SetMutedLocked(p, m.TrackSid, muted))
                return Error(sink, m, ErrorCodes.UnknownTrack, $"no track '{Truncate(m.TrackSid)}' of yours");
        }
        return true;
    }

    internal static bool SetMutedLocked(Participant p, string trackSid, bool muted)
    {
        if (!p.Tracks.TryGetValue(trackSid, out var track)) return false;
        if (track.Muted != muted)
        {
            p.Tracks[trackSid] = track with { Muted = muted };
            p.Room.Broadcast(Frame.Serialize(new TrackMutedMessage(p.Sid, trackSid, muted)), null);
        }
        return true;
    }

    private bool SendData(Participant p, IParticipantSink sink, ClientMessage m)
    {
        if (!p.Permission.CanPublishData) return Error(sink, m, ErrorCodes.PermissionDenied, "the token has no canPublishData grant");
        if (ValidateData(m.Payload, m.Encoding, m.Topic) is { } problem) return Error(sink, m, ErrorCodes.InvalidMessage, problem);
        var body = Frame.Serialize(new DataMessage(p.Sid, p.Identity, m.Payload!, m.Encoding ?? "text", m.Topic, m.Reliable ?? true));
        lock (p.Room.Gate)
        {
            if (!Owns(p, sink)) return true;
            var unknown = DeliverDataLocked(p.Room, body, p, m.DestinationIdentities);
            if (unknown is not null)
                return Error(sink, m, ErrorCodes.UnknownParticipant, $"no participant '{Truncate(unknown)}' in room '{p.Room.Name}'");
        }
        return true;
    }

    internal static string? ValidateData(string? payload, string? encoding, string? topic)
    {
        if (payload is null) return "data needs 'payload'";
        if (encoding is not (null or "text" or "base64")) return "'encoding' must be text or base64";
        if (encoding == "base64" && !Base64.IsValid(payload)) return "'payload' is not valid base64";
        if (topic is { Length: > MaxNameLength }) return "'topic' is too long";
        return null;
    }

    /// <summary>Delivers to the named identities (or everyone but the sender); returns the first unknown name.</summary>
    internal static string? DeliverDataLocked(Room room, byte[] body, Participant? sender, List<string>? destinations)
    {
        if (destinations is not { Count: > 0 })
        {
            room.Broadcast(body, sender);
            return null;
        }
        string? unknown = null;
        foreach (var identity in destinations.Distinct(StringComparer.Ordinal))
        {
            var target = room.ByIdentity(identity);
            if (target is null) unknown ??= identity;
            else if (!ReferenceEquals(target, sender)) target.Deliver(body);
        }
        return unknown;
    }

    private bool Chat(Participant p, IParticipantSink sink, ClientMessage m)
    {
        if (!p.Permission.CanPublishData || p.Hidden) return Error(sink, m, ErrorCodes.PermissionDenied, "the token may not chat");
        if (string.IsNullOrWhiteSpace(m.Text) || m.Text.Length > MaxChatLength)
            return Error(sink, m, ErrorCodes.InvalidMessage, $"chat needs 'text' of 1 to {MaxChatLength} characters");
        lock (p.Room.Gate)
        {
            if (!Owns(p, sink)) return true;
            p.Room.Broadcast(Frame.Serialize(new ChatMessage(Sids.Chat(), p.Sid, p.Identity, p.Name, m.Text,
                time.GetUtcNow().ToUnixTimeMilliseconds())), null);
        }
        return true;
    }

    private bool UpdateMetadata(Participant p, IParticipantSink sink, ClientMessage m)
    {
        if (!p.Permission.CanUpdateMetadata) return Error(sink, m, ErrorCodes.PermissionDenied, "the token has no canUpdateOwnMetadata grant");
        if (m.Name is null && m.Metadata is null) return Error(sink, m, ErrorCodes.InvalidMessage, "updateMetadata needs 'name' or 'metadata'");
        if (m.Name is { Length: > MaxNameLength }) return Error(sink, m, ErrorCodes.InvalidMessage, "'name' is too long");
        lock (p.Room.Gate)
        {
            if (!Owns(p, sink)) return true;
            if (m.Name is not null) p.Name = m.Name;
            if (m.Metadata is not null) p.Metadata = m.Metadata;
            p.Deliver(Frame.Serialize(new ParticipantUpdatedMessage(p.ToInfo(forSelf: true))));
            if (!p.Hidden) p.Room.Broadcast(Frame.Serialize(new ParticipantUpdatedMessage(p.ToInfo(forSelf: false))), p);
        }
        return true;
    }

    private static bool Owns(Participant p, IParticipantSink sink) => !p.Gone && ReferenceEquals(p.Sink, sink);

    private static bool Error(IParticipantSink sink, ClientMessage m, string code, string message)
    {
        sink.TrySend(Frame.Local(new ErrorMessage(code, message, m.Id)));
        return false;
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
