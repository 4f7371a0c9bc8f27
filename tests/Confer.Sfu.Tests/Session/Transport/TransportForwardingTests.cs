using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>Two peer connections on one port: what one publishes reaches the other through the seams, byte for byte.</summary>
public sealed class TransportForwardingTests
{
    private sealed class Relay(IRtpPacketSender to) : IRtpPacketReceiver
    {
        private readonly byte[] _buffer = new byte[1500 + IRtpPacketSender.ProtectionHeadroom];

        public void OnRtp(Span<byte> packet)
        {
            packet.CopyTo(_buffer);
            to.SendRtp(_buffer, packet.Length);
        }

        public void OnRtcp(Span<byte> packet)
        {
            packet.CopyTo(_buffer);
            to.SendRtcp(_buffer, packet.Length);
        }
    }

    [Theory]
    [InlineData(0x0007, 0x0001)]
    [InlineData(0x0001, 0x0007)]
    public void PublisherToSubscriber_DifferentProfiles_SubscriberGetsExactPlaintext(int publisherProfile, int subscriberProfile)
    {
        using var harness = new TransportHarness();
        var (subscriber, subscriberClient) = harness.Connect([subscriberProfile]);
        var (publisher, publisherClient) = harness.Connect([publisherProfile], new Relay(subscriber));
        Assert.NotEqual(publisher.Profile, subscriber.Profile);
        for (ushort seq = 100; seq < 110; seq++)
        {
            var plain = SfuTestClient.RtpPacket(seq, ssrc: 0xABCD_0001, payloadLength: 900);
            publisherClient.SendMedia(plain);
            Assert.Equal(plain, subscriberClient.ReceiveMedia(3000));
        }
        var report = SfuTestClient.RtcpReceiverReport(0xABCD_0002);
        publisherClient.SendMedia(report, rtcp: true);
        Assert.Equal(report, subscriberClient.ReceiveMedia(3000, rtcp: true));
        Assert.Equal(11, publisher.PacketsIn);
        // The server's receive thread counts a send after the datagram left: the client may have it first.
        TransportHarness.WaitFor(() => subscriber.PacketsOut == 11, "the 11th send counted");
        var totals = harness.Transports.Totals();
        Assert.Equal(2, totals.Transports);
        Assert.Equal(2, totals.Connected);
        Assert.Equal(11, totals.PacketsIn);
        Assert.Equal(11, totals.PacketsOut);
        Assert.Equal(publisher.BytesIn + subscriber.BytesIn, totals.BytesIn);
        Assert.Equal(0, totals.DecryptFailures);
    }
}
