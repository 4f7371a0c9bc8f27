using System.Diagnostics;

namespace Confer.Bench.Sfu.Rtc;

/// <summary>
/// The one thread that sends for every peer of a run: the publishers' media when due (1 ms turns), the subscribers'
/// transport-cc feedback, and an ICE check on every connection every 5 s (consent, RFC 7675 §5.1).
/// </summary>
internal sealed class MediaPump : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Thread _thread;
    private SyntheticPublisher[] _publishers = [];
    private MediaPeer[] _peers = [];
    private volatile bool _stop;

    public MediaPump()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "media pump", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public void Add(SyntheticPublisher publisher)
    {
        lock (_gate) _publishers = [.. _publishers, publisher];
    }

    public void Add(MediaPeer peer)
    {
        lock (_gate) _peers = [.. _peers, peer];
    }

    private void Run()
    {
        long feedbackEvery = Stopwatch.Frequency / 20, consentEvery = Stopwatch.Frequency * 5;
        long nextFeedback = 0, nextConsent = Stopwatch.GetTimestamp() + consentEvery;
        while (!_stop)
        {
            long now = Stopwatch.GetTimestamp();
            foreach (var publisher in Volatile.Read(ref _publishers)) publisher.Tick(now);
            if (now >= nextFeedback)
            {
                nextFeedback = now + feedbackEvery;
                foreach (var peer in Volatile.Read(ref _peers))
                    if (peer.Connected && peer.Stats is { } stats) stats.SendFeedback(peer);
            }
            if (now >= nextConsent)
            {
                nextConsent = now + consentEvery;
                foreach (var peer in Volatile.Read(ref _peers)) peer.SendCheck();
            }
            Thread.Sleep(1);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
