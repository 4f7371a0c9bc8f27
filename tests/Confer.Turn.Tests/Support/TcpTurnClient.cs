using System.Net;
using Confer.Stun;
using Confer.Stun.Auth;

namespace Confer.Turn.Tests.Support;

/// <summary>A TCP client with a UDP-relay allocation (user/pass, realm confer): signs its requests with the nonce the first 401 gave.</summary>
internal sealed class TcpTurnClient(TcpTestClient tcp, string nonce, IPEndPoint relayed) : IDisposable
{
    private static readonly byte[] Key = LongTermKey.Derive(PasswordAlgorithm.Md5, "user", "confer", "pass");

    public TcpTestClient Tcp { get; } = tcp;
    public IPEndPoint Relayed { get; } = relayed;

    public static async Task<TcpTurnClient> CreateAsync(IPEndPoint server)
    {
        var tcp = await TcpTestClient.ConnectAsync(server);
        var nonce = (await tcp.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        var allocate = await tcp.RequestAsync(Sign(StunMethod.Allocate, nonce, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
        Assert.Equal(StunClass.SuccessResponse, allocate.Type.Class);
        return new TcpTurnClient(tcp, nonce, allocate.Address(StunAttributeType.XorRelayedAddress, true));
    }

    public byte[] Signed(StunMethod method, WriteAttributes attributes) => Sign(method, nonce, attributes);

    public async Task BindChannelAsync(ushort number, IPEndPoint peer)
    {
        var bind = await Tcp.RequestAsync(Signed(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.ChannelNumber, (uint)number << 16);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        }));
        Assert.Equal(StunClass.SuccessResponse, bind.Type.Class);
    }

    /// <summary>A request signed as user/pass in realm confer (MD5 key) with <paramref name="nonce"/>.</summary>
    public static byte[] Sign(StunMethod method, string nonce, WriteAttributes attributes) =>
        StunTestMessages.Request(method, (ref StunMessageWriter w) =>
        {
            attributes(ref w);
            w.AddString(StunAttributeType.Username, "user");
            w.AddString(StunAttributeType.Realm, "confer");
            w.AddString(StunAttributeType.Nonce, nonce);
            w.AddMessageIntegrity(Key);
        });

    public void Dispose() => Tcp.Dispose();
}
