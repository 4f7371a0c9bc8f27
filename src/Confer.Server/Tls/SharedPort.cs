using System.Buffers;
using System.Net.Security;
using System.Text;
using Confer.Server.Transport;
using Confer.Server.Turn;
using Confer.Sfu.Ice;
using Confer.Transport;
using Confer.Transport.Classification;
using Confer.Transport.Streams;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Confer.Server.Tls;

/// <summary>
/// One port for everything: the HTTPS listener also serves TURN, so a person whose network lets out nothing but TCP to
/// port 443 still reaches the relay. Each connection is routed by what it says first:
/// <code>
///   plain TCP   first bytes (StreamClassifier, RFC 7983's split)   TLS ClientHello  → the TLS handshake below
///                                                                  STUN, ChannelData → TURN over TCP (RFC 8656 §3.1)
///                                                                  RFC 4571 length + a check for an SFU ufrag
///                                                                                    → ICE-TCP to the SFU (RFC 6544)
///                                                                  HTTP             → one sentence: this port speaks HTTPS
///   after TLS   ALPN (RFC 7301)   "stun.turn", "stun.nat-discovery" (RFC 7443 §6) → TURN over TLS
///                                 "h2", "http/1.1"                              → HTTPS (Kestrel)
///                                 none: the first decrypted bytes               → STUN or ChannelData: TURN; else HTTPS
/// </code>
/// ACME's TLS-ALPN-01 shares the listener (<see cref="HttpsHosting"/>). TURN connections get the same
/// <see cref="StreamConnectionHandler"/> as TURN's own TCP and TLS ports, with its connection guard.
/// </summary>
internal sealed class SharedPort(IServiceProvider services, TimeProvider time)
{
    /// <summary>How long a new connection may take to say what it is (the ClientHello, or the first frame after it).</summary>
    public static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(10);

    private StreamConnectionHandler? _turn;
    private bool _resolved;
    private IceTcpConnections? _iceTcp;
    private bool _iceResolved;

    /// <summary>The SFU's ICE-TCP connections, or null in a host without the media port.</summary>
    private IceTcpConnections? IceTcp
    {
        get
        {
            if (!Volatile.Read(ref _iceResolved))
            {
                _iceTcp = services.GetService<IceTcpConnections>();
                Volatile.Write(ref _iceResolved, true);
            }
            return _iceTcp;
        }
    }

    /// <summary>TURN's stream handler, or null in a host without TURN (made once, on first use: Kestrel is configured before the container is final).</summary>
    private StreamConnectionHandler? Turn
    {
        get
        {
            if (!Volatile.Read(ref _resolved))
            {
                if (services.GetService<IPacketHandler>() is not null && services.GetService<IStreamFramer>() is not null)
                    _turn = ActivatorUtilities.CreateInstance<StreamConnectionHandler>(services);
                Volatile.Write(ref _resolved, true);
            }
            return _turn;
        }
    }

    /// <summary>
    /// True when the ClientHello offered a STUN/TURN ALPN id (RFC 7443): the handshake then selects TURN's. Browsers never
    /// offer it for HTTPS; TURN clients may offer "http/1.1" beside it (coturn's do), and still mean TURN.
    /// </summary>
    public static bool OffersTurn(IReadOnlyList<SslApplicationProtocol> offered)
    {
        foreach (var p in offered)
            if (p == TurnCertificate.StunTurn || p == TurnCertificate.StunNatDiscovery) return true;
        return false;
    }

    /// <summary>
    /// Before TLS: reads the first bytes without consuming them. A TLS ClientHello continues to the handshake (after
    /// <paramref name="clientHello"/> has read its ALPN ids); STUN and ChannelData go to TURN over TCP; HTTP is told to use
    /// HTTPS; anything else, or nothing within <see cref="FirstBytesTimeout"/>, is closed.
    /// </summary>
    public async Task BeforeTlsAsync(ConnectionContext ctx, ConnectionDelegate next, Func<ReadOnlySequence<byte>, ConnectionContext, bool> clientHello)
    {
        var kind = await PeekAsync(ctx, clientHello).ConfigureAwait(false);
        if (kind == IceTcpKind && IceTcp is { } ice)
        {
            await ice.ServeAsync(ctx).ConfigureAwait(false);
            return;
        }
        switch (kind)
        {
            case StreamKind.Tls:
                await next(ctx).ConfigureAwait(false);
                return;
            case StreamKind.Stun or StreamKind.ChannelData when Turn is { } turn:
                await turn.OnConnectedAsync(ctx).ConfigureAwait(false);
                return;
            case StreamKind.Http or StreamKind.Http2:
                await RefusePlainHttpAsync(ctx).ConfigureAwait(false);
                return;
        }
        // Unknown, nothing in time, or TURN not served here: close without a word.
    }

    /// <summary>After TLS: TURN when ALPN says so, or when no ALPN was agreed and the first decrypted bytes are STUN/ChannelData.</summary>
    public async Task AfterTlsAsync(ConnectionContext ctx, ConnectionDelegate next)
    {
        var alpn = ctx.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol ?? default;
        if (!alpn.IsEmpty)
        {
            bool turnAlpn = alpn.Span.SequenceEqual(TurnCertificate.StunTurn.Protocol.Span) || alpn.Span.SequenceEqual(TurnCertificate.StunNatDiscovery.Protocol.Span);
            if (turnAlpn && Turn is { } t) await t.OnConnectedAsync(ctx).ConfigureAwait(false);
            else if (!turnAlpn) await next(ctx).ConfigureAwait(false);
            return;
        }
        var kind = await PeekAsync(ctx, clientHello: null).ConfigureAwait(false);
        if (kind is StreamKind.Stun or StreamKind.ChannelData)
        {
            if (Turn is { } turn) await turn.OnConnectedAsync(ctx).ConfigureAwait(false);
            return;
        }
        if (kind != StreamKind.Unknown) await next(ctx).ConfigureAwait(false);
    }

    /// <summary>
    /// Classifies the connection's first bytes, leaving them unread. With <paramref name="clientHello"/>, a TLS stream is
    /// also read up to its whole first record (or <see cref="ClientHello.MaxRecordBytes"/>), until the callback says done.
    /// </summary>
    private async Task<StreamKind> PeekAsync(ConnectionContext ctx, Func<ReadOnlySequence<byte>, ConnectionContext, bool>? clientHello)
    {
        var input = ctx.Transport.Input;
        using var timeout = new CancellationTokenSource(FirstBytesTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ctx.ConnectionClosed);
        var kind = StreamKind.Unknown;
        bool known = false;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(linked.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!known) known = Classify(buffer, out kind);
                // RFC 6544: an RFC 4571 length first, then a check whose ufrag is the SFU's (before TLS only).
                if (known && kind == StreamKind.Unknown && clientHello is not null && IceTcp is { } ice)
                {
                    var probe = ice.Probe(buffer);
                    if (probe == IceTcpProbe.Yes)
                    {
                        input.AdvanceTo(buffer.Start);
                        return IceTcpKind;
                    }
                    if (probe == IceTcpProbe.NeedMore && !result.IsCompleted)
                    {
                        input.AdvanceTo(buffer.Start, buffer.End);
                        continue;
                    }
                }
                bool done = known && (kind != StreamKind.Tls || clientHello is null || clientHello(buffer, ctx));
                if (done || result.IsCompleted || buffer.Length >= ClientHello.MaxRecordBytes)
                {
                    input.AdvanceTo(buffer.Start);
                    return known && (done || kind == StreamKind.Tls) ? kind : StreamKind.Unknown;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            return StreamKind.Unknown; // nothing in time, or the client left
        }
    }

    /// <summary>What <see cref="PeekAsync"/> says for ICE-TCP (not one of the transport's stream kinds).</summary>
    private const StreamKind IceTcpKind = (StreamKind)0xFF;

    private static bool Classify(in ReadOnlySequence<byte> buffer, out StreamKind kind)
    {
        Span<byte> head = stackalloc byte[StreamClassifier.MaxNeeded];
        int length = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, length).CopyTo(head);
        return StreamClassifier.TryClassify(head[..length], out kind);
    }

    private static async Task RefusePlainHttpAsync(ConnectionContext ctx)
    {
        const string text = "This port speaks HTTPS: open the same address with https:// in front.\n";
        var response = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {text.Length}\r\nConnection: close\r\n\r\n{text}");
        try
        {
            await ctx.Transport.Output.WriteAsync(response, ctx.ConnectionClosed).ConfigureAwait(false);
            await ctx.Transport.Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            // The client left first.
        }
    }
}
