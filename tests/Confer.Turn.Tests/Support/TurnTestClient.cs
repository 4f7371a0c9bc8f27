using System.Net;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;

namespace Confer.Turn.Tests.Support;

/// <summary>A TURN client over UDP that does the long-term credential round trip (401 → signed request).</summary>
internal sealed class TurnTestClient(IPEndPoint server, string username, string password, bool sha256 = false) : IDisposable
{
    public UdpTestClient Udp { get; } = new();
    public string? Realm { get; set; }
    public string? Nonce { get; set; }

    public byte[] Key => LongTermKey.Derive(sha256 ? PasswordAlgorithm.Sha256 : PasswordAlgorithm.Md5, username, Realm!, password);

    public Task<Received> AllocateAsync(WriteAttributes? extra = null, byte transport = 17) =>
        RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.RequestedTransport, (uint)transport << 24);
            extra?.Invoke(ref w);
        });

    public async Task<Received> RequestAsync(StunMethod method, WriteAttributes? attributes = null)
    {
        if (Nonce is null)
        {
            // The challenge round trip: an unsigned Allocate that could succeed once signed (one that could not, or
            // another method without an allocation, gets no answer at all).
            var challenge = await Udp.RequestAsync(StunTestMessages.AllocateChallenge(), server);
            Assert.Equal(401, challenge.ErrorCode);
            Realm = challenge.String(StunAttributeType.Realm);
            Nonce = challenge.String(StunAttributeType.Nonce);
        }
        var response = await Udp.RequestAsync(Signed(method, attributes), server);
        if (response.ErrorCode == 438)
        {
            Nonce = response.String(StunAttributeType.Nonce);
            response = await Udp.RequestAsync(Signed(method, attributes), server);
        }
        return response;
    }

    public byte[] Signed(StunMethod method, WriteAttributes? attributes, TransactionId? id = null) =>
        StunTestMessages.Build(method, StunClass.Request, (ref StunMessageWriter w) =>
        {
            attributes?.Invoke(ref w);
            w.AddString(StunAttributeType.Username, username);
            w.AddString(StunAttributeType.Realm, Realm!);
            w.AddString(StunAttributeType.Nonce, Nonce!);
            if (sha256)
            {
                w.Add(StunAttributeType.PasswordAlgorithms, [0, 2, 0, 0, 0, 1, 0, 0]);
                w.Add(StunAttributeType.PasswordAlgorithm, [0, 2, 0, 0]);
                w.AddMessageIntegritySha256(Key);
            }
            else w.AddMessageIntegrity(Key);
        }, id: id);

    public Task<Received> CreatePermissionAsync(IPEndPoint peer) =>
        RequestAsync(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, peer));

    public Task<Received> ChannelBindAsync(ushort channel, IPEndPoint peer) =>
        RequestAsync(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.ChannelNumber, (uint)channel << 16);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        });

    public Task SendIndicationAsync(IPEndPoint peer, byte[] data) =>
        Udp.SendAsync(StunTestMessages.Build(StunMethod.Send, StunClass.Indication, (ref StunMessageWriter w) =>
        {
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
            w.Add(StunAttributeType.Data, data);
        }), server);

    public Task SendChannelDataAsync(ushort channel, byte[] data)
    {
        var frame = new byte[4 + data.Length];
        ChannelData.Write(frame, channel, data, pad: false);
        return Udp.SendAsync(frame, server);
    }

    public void Dispose() => Udp.Dispose();
}
