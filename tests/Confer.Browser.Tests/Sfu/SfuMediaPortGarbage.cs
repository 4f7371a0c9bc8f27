using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// Garbage shaped like what the media port expects (RFC 7983 demultiplexing: STUN, DTLS, RTP/RTCP by first byte), from a
/// seeded <see cref="Random"/>: random bytes, STUN binding requests with ICE usernames (the call's real server ufrag with a
/// wrong MESSAGE-INTEGRITY, and made-up ones), truncated DTLS ClientHello records, and RTP/RTCP headers carrying random
/// or the call's real SSRCs whose random tags must fail SRTP authentication. Bounded in count and time.
/// </summary>
internal sealed class SfuMediaPortGarbage(Random random, IReadOnlyList<string> ufrags, IReadOnlyList<uint> ssrcs)
{
    public int Sent { get; private set; }

    /// <summary>Sends <paramref name="count"/> datagrams from four loopback sockets within <paramref name="limit"/>, paced in bursts.</summary>
    public async Task SendUdpAsync(int port, int count, TimeSpan limit)
    {
        var sockets = Enumerable.Range(0, 4).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)).ToArray();
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var until = DateTime.UtcNow + limit;
        try
        {
            while (Sent < count && DateTime.UtcNow < until)
            {
                for (int i = 0; i < 100 && Sent < count; i++, Sent++)
                    await sockets[random.Next(sockets.Length)].SendToAsync(Next(), target);
                await Task.Delay(15);
            }
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }

    /// <summary>
    /// RFC 4571 framing of garbage on the TCP port (where ICE-TCP, RFC 6544, is served): a few connections, each with
    /// frames of garbage and one frame whose length promises more than is ever sent; returns when the server closes or
    /// after <paramref name="limit"/>.
    /// </summary>
    public async Task SendTcpAsync(int port, int connections, TimeSpan limit)
    {
        var tasks = Enumerable.Range(0, connections).Select(async c =>
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(limit);
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                var stream = client.GetStream();
                for (int i = 0; i < 20; i++)
                {
                    var body = Next();
                    var frame = new byte[2 + body.Length];
                    BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)body.Length);
                    body.CopyTo(frame, 2);
                    await stream.WriteAsync(frame, cts.Token);
                }
                // An oversized frame: 65535 announced, a few bytes given.
                await stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0x00, 0x01, 0x02 }, cts.Token);
                var buffer = new byte[4096];
                while (await stream.ReadAsync(buffer, cts.Token) > 0) { }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { }
        });
        await Task.WhenAll(tasks);
    }

    private byte[] Next() => random.Next(8) switch
    {
        0 => Bytes(random.Next(1, 1200)),
        1 or 2 => Stun(),
        3 => Dtls(),
        4 or 5 => Rtp(),
        _ => Rtcp(),
    };

    private byte[] Bytes(int n)
    {
        var b = new byte[n];
        random.NextBytes(b);
        return b;
    }

    private uint Ssrc() => ssrcs.Count > 0 && random.Next(2) == 0 ? ssrcs[random.Next(ssrcs.Count)] : (uint)random.NextInt64(uint.MaxValue);

    /// <summary>RFC 8489 §5 header, USERNAME (RFC 8445 §7.2.2: "server:client"), a MESSAGE-INTEGRITY made of random bytes.</summary>
    private byte[] Stun()
    {
        string server = ufrags.Count > 0 && random.Next(2) == 0 ? ufrags[random.Next(ufrags.Count)] : Convert.ToHexString(Bytes(4));
        var user = Encoding.ASCII.GetBytes($"{server}:{Convert.ToHexString(Bytes(2))}");
        int userPadded = (user.Length + 3) & ~3;
        var m = new byte[20 + 4 + userPadded + 4 + 20];
        BinaryPrimitives.WriteUInt16BigEndian(m, 0x0001);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)(m.Length - 20));
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), 0x2112A442);
        random.NextBytes(m.AsSpan(8, 12));
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(20), 0x0006);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(22), (ushort)user.Length);
        user.CopyTo(m, 24);
        int mi = 24 + userPadded;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(mi), 0x0008);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(mi + 2), 20);
        random.NextBytes(m.AsSpan(mi + 4, 20));
        return Mutate(m);
    }

    /// <summary>A DTLS 1.2 handshake record (RFC 6347 §4.1) holding a ClientHello-like body, often cut short.</summary>
    private byte[] Dtls()
    {
        var r = Bytes(13 + 12 + random.Next(0, 300));
        r[0] = 22;
        r[1] = 0xFE; r[2] = 0xFD;
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(11), (ushort)(r.Length - 13 + random.Next(-4, 64)));
        r[13] = 1;
        return random.Next(3) == 0 ? r[..random.Next(1, r.Length)] : r;
    }

    /// <summary>An RTP header (RFC 3550 §5.1, first byte 0x80–0xBF) with a random payload and a random 10-byte "tag".</summary>
    private byte[] Rtp()
    {
        var p = Bytes(12 + random.Next(10, 1100));
        p[0] = (byte)(0x80 | random.Next(0x40));
        p[1] = (byte)(random.Next(2) == 0 ? 96 + random.Next(32) : random.Next(128));
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), Ssrc());
        return p;
    }

    /// <summary>An RTCP header (RFC 3550 §6.4, packet types 200–206) with a random body, E flag and index, and tag.</summary>
    private byte[] Rtcp()
    {
        var p = Bytes(8 + 4 * random.Next(0, 40) + 14);
        p[0] = (byte)(0x80 | random.Next(0x40));
        p[1] = (byte)(200 + random.Next(7));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)random.Next(0, 64));
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), Ssrc());
        return p;
    }

    private byte[] Mutate(byte[] m)
    {
        if (random.Next(3) != 0) return m;
        for (int i = random.Next(1, 4); i > 0; i--) m[random.Next(m.Length)] ^= (byte)random.Next(1, 256);
        return random.Next(4) == 0 ? m[..random.Next(1, m.Length)] : m;
    }
}
