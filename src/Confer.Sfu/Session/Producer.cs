using System.Text;
using Confer.Sfu.Rtp;
using Confer.Sfu.Sdp;

namespace Confer.Sfu.Session;

/// <summary>The codec family of a payload type, for key frame detection and descriptor rewriting.</summary>
internal enum MediaCodec : byte
{
    Other,
    Vp8,
    Vp9,
    H264,
    Opus,
}

/// <summary>
/// One published track (mediasoup's Producer, LiveKit's receiver), configured from the publisher's negotiated m= section.
/// Its streams are <see cref="ProducerLayer"/>s: one per simulcast rid (RFC 8853), spatial index q = 0, h = 1, f = 2 (or
/// offer order for other rid names), or a single layer without simulcast. SSRCs come from the SDP (RFC 5576) or are
/// learned from the rid / repaired-rid header extensions (RFC 8852); RTX (RFC 4588) is told apart by payload type or
/// repaired-rid and restored to the original before it is cached and forwarded. Every packet goes to each
/// <see cref="Consumer"/> in a copy-on-write array. Created and removed only by <see cref="SfuRouter"/>.
/// </summary>
internal sealed partial class Producer
{
    private const int MaxSsrcEntries = 8;
    private readonly uint[] _ssrcKeys = new uint[MaxSsrcEntries];
    private readonly byte[] _ssrcLayer = new byte[MaxSsrcEntries];
    private readonly bool[] _ssrcIsRtx = new bool[MaxSsrcEntries];
    private int _ssrcCount;
    private readonly byte[][] _ridBytes;
    private Consumer[] _consumers = [];

    internal Producer(PublisherConnection connection, string id, NegotiatedMedia media, TimeProvider time)
    {
        Connection = connection;
        Id = id;
        Media = media;
        Mid = media.Mid;
        MidBytes = Encoding.ASCII.GetBytes(media.Mid);
        IsAudio = media.Kind == "audio";
        if (media.Codecs.Count == 0)
            throw new ArgumentException($"The m= section '{media.Mid}' has no accepted codec to forward.", nameof(media));
        Codec = media.Codecs[0];
        CodecKind = ToCodec(Codec.Name);
        Extensions = ReadExtensions(media);
        int layerCount = Math.Clamp(media.Rids.Count, 1, 3);
        Layers = new ProducerLayer[layerCount];
        _ridBytes = new byte[layerCount][];
        string[] ordered = OrderRids(media.Rids, layerCount);
        for (int i = 0; i < layerCount; i++)
        {
            string? rid = media.Rids.Count == 0 ? null : ordered[i];
            _ridBytes[i] = rid is null ? [] : Encoding.ASCII.GetBytes(rid);
            uint ssrc = 0, rtx = 0;
            if (media.Rids.Count == 0 && media.Ssrcs.Count > 0)
            {
                ssrc = media.Ssrcs[0].Ssrc;
                rtx = media.Ssrcs[0].RtxSsrc ?? 0;
            }
            Layers[i] = new ProducerLayer(this, i, rid, ssrc, rtx, time);
            if (ssrc != 0) AddSsrc(ssrc, i, false);
            if (rtx != 0) AddSsrc(rtx, i, true);
        }
    }

    public string Id { get; }
    public string ParticipantId => Connection.ParticipantId;
    /// <summary>The room's name for this track (its sid), when signaling gave one; events to rooms carry it.</summary>
    public string? TrackSid { get; internal set; }
    public string Mid { get; }
    internal byte[] MidBytes { get; }
    public NegotiatedMedia Media { get; }
    public bool IsAudio { get; }
    public bool IsSimulcast => Media.Rids.Count > 0;
    /// <summary>The codec forwarded (the first accepted); packets of other payload types are dropped.</summary>
    public NegotiatedCodec Codec { get; }
    public MediaCodec CodecKind { get; }
    public RtpHeaderExtensionIds Extensions { get; }
    public ProducerLayer[] Layers { get; }
    internal PublisherConnection Connection { get; }
    public IReadOnlyList<Consumer> Consumers => Volatile.Read(ref _consumers);
    public bool Closed { get; internal set; }
    public long Packets { get; private set; }
    public long Dropped { get; private set; }
    public bool SeenFirstPacket { get; private set; }
    public bool SeenFirstKeyframe { get; private set; }
    /// <summary>Smoothed loudness 0–127 (127 − RFC 6464 level, voice-active packets only); decays on the router's tick.</summary>
    public double AudioLoudness { get; internal set; }
    internal long LastVoiceAt { get; private set; }

    internal uint[] KnownSsrcs()
    {
        var list = new uint[_ssrcCount];
        Array.Copy(_ssrcKeys, list, _ssrcCount);
        return list;
    }

    internal void AddConsumer(Consumer consumer) => CopyOnWrite.Add(ref _consumers, consumer);

    internal void RemoveConsumer(Consumer consumer) => CopyOnWrite.Remove(ref _consumers, consumer);

    /// <summary>Whether <paramref name="ssrc"/> is one of this producer's streams (media or RTX).</summary>
    internal bool Owns(uint ssrc) => FindSsrc(ssrc) >= 0;

    private int FindSsrc(uint ssrc)
    {
        for (int i = 0; i < _ssrcCount; i++)
            if (_ssrcKeys[i] == ssrc) return i;
        return -1;
    }

    private bool AddSsrc(uint ssrc, int layer, bool rtx)
    {
        if (_ssrcCount == MaxSsrcEntries || FindSsrc(ssrc) >= 0) return false;
        _ssrcKeys[_ssrcCount] = ssrc;
        _ssrcLayer[_ssrcCount] = (byte)layer;
        _ssrcIsRtx[_ssrcCount] = rtx;
        _ssrcCount++;
        return true;
    }

    /// <summary>The layer whose media SSRC is <paramref name="ssrc"/>, or null.</summary>
    internal ProducerLayer? FindLayer(uint ssrc)
    {
        foreach (var layer in Layers)
            if (layer.Ssrc == ssrc && ssrc != 0) return layer;
        return null;
    }

    private static MediaCodec ToCodec(string name) => name.ToUpperInvariant() switch
    {
        "VP8" => MediaCodec.Vp8,
        "VP9" => MediaCodec.Vp9,
        "H264" => MediaCodec.H264,
        "OPUS" => MediaCodec.Opus,
        _ => MediaCodec.Other,
    };

    private static RtpHeaderExtensionIds ReadExtensions(NegotiatedMedia media)
    {
        var ids = new RtpHeaderExtensionIds();
        foreach (var (uri, id) in media.ExtensionIds)
            ids = ids.With(id, uri);
        return ids;
    }

    /// <summary>Spatial order of the rids: q, h, f by name (LiveKit and most apps), else the offer's order.</summary>
    private static string[] OrderRids(IReadOnlyList<string> rids, int count)
    {
        var result = new string[count];
        if (rids.Count == 0) return result;
        string[] known = ["q", "h", "f"];
        bool named = rids.Count <= 3 && rids.All(r => Array.IndexOf(known, r) >= 0);
        if (named)
        {
            var sorted = rids.OrderBy(r => Array.IndexOf(known, r)).ToArray();
            for (int i = 0; i < count; i++) result[i] = sorted[i];
        }
        else
            for (int i = 0; i < count; i++) result[i] = rids[i];
        return result;
    }
}
