using System.Buffers.Binary;
using Confer.Sfu.Rtcp;

namespace Confer.Sfu.Tests.Session.Graph;

/// <summary>
/// A late joiner's video starts fast: a new down-track waits until its subscriber's transport can send, and only then
/// asks the publisher for the key frame it starts on (one sent before would be lost, and the next one is up to the
/// publisher's key frame interval away, or a throttled PLI).
/// </summary>
public sealed class SfuRouterStartTests
{
    [Fact]
    public void NewDownTrack_WaitsForItsTransport_ThenAsksForTheKeyFrameItStartsOn()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        bobSender.CanSend = false; // DTLS not done yet
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        for (int i = 0; i < 5; i++)
            room.SendFrame(false, 0, 1, 2);
        Assert.Equal(0, Plis(room));

        bobSender.CanSend = true;
        room.SendFrame(false, 0, 1, 2);
        Assert.Equal(0, bobSender.RtpCount); // a delta frame cannot start a stream
        Assert.Equal(1, Plis(room)); // asked for at once, not throttled by anything sent into the void
        room.SendFrame(true, 0, 1, 2);
        Assert.True(bobSender.RtpCount > 0);
        var first = bobSender.Rtp[0];
        Assert.Equal(bob.Ssrc, BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(8)));
    }

    private static int Plis(GraphRoom room) =>
        room.PublisherSender.RtcpOf(RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication).Count;
}
