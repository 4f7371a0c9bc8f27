using System.Buffers.Text;
using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;

namespace Confer.Signaling.Rooms;

/// <summary>Client frames (docs/protocol.md, "Client → server"), each carried out under the room's lock.</summary>
internal sealed partial class Room
{
    public const int MaxChatLength = 4000;
    public const int MaxNameLength = 256;

    /// <summary>
    /// Carries out one client frame. Returns false when the frame earned an <c>error</c> (the connection
    /// counts those); frames from a connection that no longer speaks for the participant are ignored.
    /// </summary>
    public bool Signal(SignalRequest request)
    {
        var m = request.Message;
        lock (_gate)
        {
            if (_bySid.GetValueOrDefault(request.Participant.Value) is not { } p || !p.Owns(request.Connection)) return true;
            if (m.V is { } v && v != Frame.Version)
                return Error(p, m, ErrorCodes.UnsupportedVersion, $"protocol version {v} is not supported; this server speaks 1");
            if (!WithinLimitsLocked(p, m)) return false;
            switch (m.Type)
            {
                case ClientTypes.Ping:
                    if (m.LastSeen is > 0 and var acked) p.Acknowledge(acked);
                    p.DeliverLocal(Frame.Local(new PongMessage(m.Timestamp ?? 0, _time.GetUtcNow().ToUnixTimeMilliseconds())));
                    RefreshSealLocked(p);
                    return true;
                case ClientTypes.Offer:
                case ClientTypes.Answer:
                    if (string.IsNullOrEmpty(m.To) || string.IsNullOrEmpty(m.Sdp))
                        return Error(p, m, ErrorCodes.InvalidMessage, $"{m.Type} needs 'to' and 'sdp'");
                    if (SdpPolicy.Check(m.Sdp, SdpRights.Of(p.Permission), p) is { Allowed: false } refused)
                        return Error(p, m, ErrorCodes.SdpRefused, refused.Describe());
                    return Forward(p, m, m.Type == ClientTypes.Offer
                        ? new OfferMessage(p.Sid.Value, p.Identity.Value, m.Sdp)
                        : new AnswerMessage(p.Sid.Value, p.Identity.Value, m.Sdp));
                case ClientTypes.Candidate:
                    if (string.IsNullOrEmpty(m.To)) return Error(p, m, ErrorCodes.InvalidMessage, "candidate needs 'to'");
                    return Forward(p, m, new CandidateMessage(p.Sid.Value, p.Identity.Value, m.Candidate));
                case ClientTypes.PublishTrack: return PublishTrack(p, m);
                case ClientTypes.UnpublishTrack: return UnpublishTrack(p, m);
                case ClientTypes.MuteTrack: return MuteTrack(p, m);
                case ClientTypes.Data: return SendData(p, m);
                case ClientTypes.Chat: return Chat(p, m);
                case ClientTypes.UpdateMetadata: return UpdateMetadata(p, m);
                case ClientTypes.Leave:
                    RemoveLocked(p, LeaveReasons.Left, CloseCodes.Normal, "left");
                    return true;
                case ClientTypes.MediaPath: return MediaPath(p, m);
                case ClientTypes.PublisherOffer: return PublisherOffer(p, m);
                case ClientTypes.SubscriberAnswer: return SubscriberAnswer(p, m);
                case ClientTypes.UpdateSubscription: return UpdateSubscription(p, m);
                case ClientTypes.Admit or ClientTypes.Deny or ClientTypes.LockRoom or ClientTypes.EndMeeting or ClientTypes.MuteParticipant
                    or ClientTypes.AskUnmute or ClientTypes.StopTrack or ClientTypes.RemoveParticipant or ClientTypes.MakeHost:
                    return Moderate(p, m);
                case ClientTypes.RestartIce: return RestartIce(p, m);
                case null:
                    return Error(p, m, ErrorCodes.UnknownType, "the frame has no 'type'");
                default:
                    return Error(p, m, ErrorCodes.UnknownType, $"unknown type '{Truncate(m.Type)}'");
            }
        }
    }

    private bool Forward(Participant p, ClientMessage m, ServerMessage message)
    {
        var target = FindLocked(m.To!);
        if (target is null || ReferenceEquals(target, p))
            return Error(p, m, ErrorCodes.UnknownParticipant, $"no participant '{Truncate(m.To!)}' in room '{Name}'");
        if (!TryDeliverFromPeerLocked(target, Frame.Serialize(message)))
            return Busy(p, m, $"'{Truncate(m.To!)}' is not keeping up with what it is sent; try again later");
        return true;
    }

    /// <summary>A browser says how its media reaches a peer: logged and raised for the metrics, told to nobody else.</summary>
    private bool MediaPath(Participant p, ClientMessage m)
    {
        if (!MediaPaths.IsValid(m.Path) || string.IsNullOrEmpty(m.To))
            return Error(p, m, ErrorCodes.InvalidMessage, $"mediaPath needs 'to' and a 'path' of {string.Join(", ", MediaPaths.All)}");
        if (FindLocked(m.To) is not { } peer || ReferenceEquals(peer, p))
            return Error(p, m, ErrorCodes.UnknownParticipant, $"no participant '{Truncate(m.To)}' in room '{Name}'");
        LogMediaPath(_log, Name.Value, p.Identity.Value, peer.Identity.Value, m.Path!);
        Raise(new MediaPathReported(Name, Sid, Now, p.Identity, peer.Identity, m.Path!));
        return true;
    }

    private bool PublishTrack(Participant p, ClientMessage m)
    {
        var source = m.Source ?? (m.Kind == "audio" ? "microphone" : "camera");
        if (string.IsNullOrEmpty(m.Cid) || m.Cid.Length > 128 || !TrackKinds.IsValid(m.Kind) || !TrackSources.IsValid(source))
            return Error(p, m, ErrorCodes.InvalidMessage, "publishTrack needs 'cid', 'kind' (audio|video) and a known 'source'");
        if (TrackSources.KindOf(source) != m.Kind)
            return Error(p, m, ErrorCodes.InvalidMessage, $"a '{source}' track is {TrackSources.KindOf(source)}, not {m.Kind}");
        if (p.Hidden) return Error(p, m, ErrorCodes.PermissionDenied, "hidden participants cannot publish");
        if (!p.Permission.MayPublishSource(source))
            return Error(p, m, ErrorCodes.PermissionDenied, p.Permission.CanPublish ? $"the token may not publish '{source}'" : "the token has no canPublish grant");
        if (p.TrackCount >= _options.MaxTracksPerParticipant)
            return Error(p, m, ErrorCodes.LimitExceeded, $"at most {_options.MaxTracksPerParticipant} tracks per participant");
        var sid = TrackSid.New();
        var track = new TrackInfo(sid.Value, m.Cid, m.Kind!, source, m.Name is { Length: <= MaxNameLength } n ? n : null,
            m.Muted ?? false, m.Width, m.Height);
        p.AddTrack(sid, track);
        p.Deliver(Frame.Serialize(new TrackPublishedMessage(p.Sid.Value, track)));
        BroadcastLocked(Frame.Serialize(new TrackPublishedMessage(p.Sid.Value, track with { Cid = null })), p);
        Raise(new TrackPublished(Name, Sid, Now, p.Sid, sid, track.Kind, track.Source, track.Name, track.Muted, track.Width, track.Height));
        return true;
    }

    private bool UnpublishTrack(Participant p, ClientMessage m)
    {
        if (string.IsNullOrEmpty(m.TrackSid)) return Error(p, m, ErrorCodes.InvalidMessage, "unpublishTrack needs 'trackSid'");
        var sid = new TrackSid(m.TrackSid);
        if (!p.RemoveTrack(sid)) return Error(p, m, ErrorCodes.UnknownTrack, $"no track '{Truncate(m.TrackSid)}' of yours");
        BroadcastLocked(Frame.Serialize(new TrackUnpublishedMessage(p.Sid.Value, sid.Value)), null);
        Raise(new TrackUnpublished(Name, Sid, Now, p.Sid, sid));
        SyncSubscriptionsLocked(except: p);
        return true;
    }

    private bool MuteTrack(Participant p, ClientMessage m)
    {
        if (string.IsNullOrEmpty(m.TrackSid) || m.Muted is not { } muted)
            return Error(p, m, ErrorCodes.InvalidMessage, "muteTrack needs 'trackSid' and 'muted'");
        if (SetMutedLocked(p, new TrackSid(m.TrackSid), muted) is null)
            return Error(p, m, ErrorCodes.UnknownTrack, $"no track '{Truncate(m.TrackSid)}' of yours");
        return true;
    }

    /// <summary>Mutes or unmutes a track and tells everyone when that changed it; null when there is no such track.</summary>
    private TrackInfo? SetMutedLocked(Participant p, TrackSid trackSid, bool muted)
    {
        if (p.Track(trackSid) is not { } track) return null;
        if (track.Muted != muted)
        {
            track = track with { Muted = muted };
            p.ReplaceTrack(trackSid, track);
            BroadcastLocked(Frame.Serialize(new TrackMutedMessage(p.Sid.Value, trackSid.Value, muted)), null);
            Raise(new TrackMuted(Name, Sid, Now, p.Sid, trackSid, muted));
        }
        return track;
    }

    private bool SendData(Participant p, ClientMessage m)
    {
        if (!p.Permission.CanPublishData) return Error(p, m, ErrorCodes.PermissionDenied, "the token has no canPublishData grant");
        if (p.Hidden) return Error(p, m, ErrorCodes.PermissionDenied, "hidden participants cannot send data");
        if (ValidateData(m.Payload, m.Encoding, m.Topic) is { } problem) return Error(p, m, ErrorCodes.InvalidMessage, problem);
        var body = Frame.Serialize(new DataMessage(p.Sid.Value, p.Identity.Value, m.Payload!, m.Encoding ?? "text", m.Topic, m.Reliable ?? true));
        var (unknown, busy) = DeliverDataLocked(body, p, m.DestinationIdentities);
        if (unknown is not null)
            return Error(p, m, ErrorCodes.UnknownParticipant, $"no participant '{Truncate(unknown)}' in room '{Name}'");
        if (busy > 0) return Busy(p, m, $"not delivered to {busy} participant(s) not keeping up with what they are sent; try again later");
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

    /// <summary>
    /// Delivers to the named identities (or everyone but the sender); returns the first unknown name and, for data
    /// a participant aims at others, how many of them were skipped because their queues are half full.
    /// </summary>
    private (string? Unknown, int Busy) DeliverDataLocked(byte[] body, Participant? sender, List<string>? destinations)
    {
        var busy = 0;
        if (destinations is not { Count: > 0 })
        {
            // To everyone: the sender's budget bounds what each one gets, and a client that cannot keep up is closed as slow.
            BroadcastLocked(body, sender);
            return (null, 0);
        }
        string? unknown = null;
        foreach (var identity in destinations.Distinct(StringComparer.Ordinal))
        {
            var target = _byIdentity.GetValueOrDefault(identity);
            if (target is null) unknown ??= identity;
            else if (ReferenceEquals(target, sender)) continue;
            else if (sender is null) target.Deliver(body);
            else if (!TryDeliverFromPeerLocked(target, body)) busy++;
        }
        return (unknown, busy);
    }

    private bool Chat(Participant p, ClientMessage m)
    {
        if (!p.Permission.CanPublishData || p.Hidden) return Error(p, m, ErrorCodes.PermissionDenied, "the token may not chat");
        if (string.IsNullOrWhiteSpace(m.Text) || m.Text.Length > MaxChatLength)
            return Error(p, m, ErrorCodes.InvalidMessage, $"chat needs 'text' of 1 to {MaxChatLength} characters");
        BroadcastLocked(Frame.Serialize(new ChatMessage(Sids.Chat(), p.Sid.Value, p.Identity.Value, p.Name, m.Text,
            _time.GetUtcNow().ToUnixTimeMilliseconds())), null);
        return true;
    }

    private bool UpdateMetadata(Participant p, ClientMessage m)
    {
        if (!p.Permission.CanUpdateMetadata) return Error(p, m, ErrorCodes.PermissionDenied, "the token has no canUpdateOwnMetadata grant");
        if (m.Name is null && m.Metadata is null) return Error(p, m, ErrorCodes.InvalidMessage, "updateMetadata needs 'name' or 'metadata'");
        if (m.Name is { Length: > MaxNameLength }) return Error(p, m, ErrorCodes.InvalidMessage, "'name' is too long");
        p.Update(m.Name, m.Metadata);
        p.Deliver(Frame.Serialize(new ParticipantUpdatedMessage(p.ToInfo(forSelf: true))));
        ResealLocked(p);
        if (!p.Hidden) BroadcastLocked(Frame.Serialize(new ParticipantUpdatedMessage(p.ToInfo(forSelf: false))), p);
        Raise(new ParticipantUpdated(Name, Sid, Now, p.Sid, p.Identity, p.Name, p.Metadata));
        return true;
    }

    /// <summary>A participant by sid or identity (the <c>to</c> field accepts both).</summary>
    private Participant? FindLocked(string sidOrIdentity) =>
        _bySid.GetValueOrDefault(sidOrIdentity) ?? _byIdentity.GetValueOrDefault(sidOrIdentity);

    private static bool Error(Participant p, ClientMessage m, string code, string message)
    {
        p.DeliverLocal(Frame.Local(new ErrorMessage(code, message, m.Id)));
        return false;
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
