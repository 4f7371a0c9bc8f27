using System.Net;
using Confer.Stun;
using Confer.Turn.Allocations;
using Confer.Turn.Tests.Support;
using Confer.Turn.Transport;

namespace Confer.Turn.Tests.Handlers;

public sealed class RobustnessTests
{
    private sealed class NullSink : IClientSink
    {
        public int Sent;
        public ClientTransport Transport => ClientTransport.Udp;
        public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination) { Sent++; return true; }
    }

    [Fact]
    public void Dispatcher_RandomAndMutatedInput_NeverThrowsAndCreatesNoState()
    {
        var options = new TurnOptions();
        options.Users["user"] = "pass";
        using var metrics = new TurnMetrics();
        using var dispatcher = StunDispatcherFactory.Create(options, metrics, new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var sink = new NullSink();
        var client = new IPEndPoint(IPAddress.Loopback, 5555);
        var context = new PacketContext(new FiveTuple(TransportAddress.FromEndPoint(client), default, ClientTransport.Udp), client.Serialize(), sink);
        var random = new Random(8489);
        var seeds = new[]
        {
            StunTestMessages.Request(StunMethod.Binding),
            StunTestMessages.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)),
            new byte[] { 0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4 },
        };
        for (int i = 0; i < 20000; i++)
        {
            byte[] packet;
            if (i % 2 == 0)
            {
                packet = new byte[random.Next(0, 120)];
                random.NextBytes(packet);
            }
            else
            {
                packet = (byte[])seeds[i % seeds.Length].Clone();
                for (int m = random.Next(1, 4); m > 0; m--) packet[random.Next(packet.Length)] = (byte)random.Next(256);
            }
            dispatcher.OnPacket(packet, context);
        }
        Assert.Equal(0, dispatcher.Allocations.Count);
    }
}
