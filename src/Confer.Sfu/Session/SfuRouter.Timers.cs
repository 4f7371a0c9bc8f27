using Confer.Sfu.Forwarding;

namespace Confer.Sfu.Session;

internal sealed partial class SfuRouter
{
    private readonly byte[] _reportBuffer = new byte[512];
    private int _ticking;
    private long _lastReportAt;
    private long _lastSpeakersAt;
    private long _lastDynacastAt;

    /// <summary>
    /// The router's one periodic job (a <see cref="TimeProvider"/> timer, not per packet): for each publisher under its
    /// lock, TWCC feedback, NACK and key frame retries, and every report interval an RR; for each down-track the layer
    /// target (below layers the publisher stopped sending) and every report interval an SR; then layer allocation, dynacast
    /// and active speakers.
    /// Overlapping ticks are skipped.
    /// </summary>
    internal void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1) return;
        try
        {
            long now = Time.GetTimestamp();
            long frequency = Time.TimestampFrequency;
            bool reportDue = _lastReportAt == 0 || now - _lastReportAt >= (long)(Options.ReportInterval.TotalSeconds * frequency) - frequency / 100;
            if (reportDue) _lastReportAt = now;
            var utcNow = Time.GetUtcNow().UtcDateTime;
            long inactive = (long)(Options.LayerInactiveAfter.TotalSeconds * frequency);
            foreach (var publisher in Volatile.Read(ref _publisherSnapshot))
                lock (publisher.Gate)
                {
                    publisher.OnTick(now, reportDue);
                    foreach (var producer in publisher.Producers)
                    {
                        int highest = producer.HighestActiveLayer(now, inactive);
                        foreach (var consumer in producer.Consumers)
                        {
                            if (highest >= 0)
                                consumer.SetHighestActive(highest);
                            if (reportDue && consumer.TryWriteSenderReport(_reportBuffer.AsSpan(0, _reportBuffer.Length - IRtpPacketSender.ProtectionHeadroom),
                                    utcNow, now, frequency, out int written))
                                consumer.Subscriber.Sender.SendRtcp(_reportBuffer, written);
                        }
                    }
                }
            foreach (var subscriber in Volatile.Read(ref _subscriberSnapshot))
                subscriber.OnTick();
            Allocate(now, frequency);
            if (now - _lastDynacastAt >= (long)(Options.AllocationInterval.TotalSeconds * frequency))
            {
                _lastDynacastAt = now;
                UpdateDynacast();
            }
            if (now - _lastSpeakersAt >= frequency / 4)
            {
                _lastSpeakersAt = now;
                UpdateSpeakers(now, frequency);
            }
        }
        catch (Exception)
        {
            // A bug in one tick must not stop the timer; the next tick tries again.
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void UpdateSpeakers(long now, long frequency)
    {
        long window = (long)(Options.SpeakerWindow.TotalSeconds * frequency);
        List<ActiveSpeaker>? speakers = null;
        foreach (var publisher in Volatile.Read(ref _publisherSnapshot))
            lock (publisher.Gate)
                foreach (var producer in publisher.Producers)
                {
                    if (!producer.IsAudio) continue;
                    if (now - producer.LastVoiceAt > window)
                        producer.AudioLoudness *= 0.5; // silence decays
                    if (producer.LastVoiceAt != 0 && now - producer.LastVoiceAt <= window && producer.AudioLoudness >= Options.SpeakerThreshold)
                        (speakers ??= []).Add(new ActiveSpeaker(producer.ParticipantId, producer.Id, producer.AudioLoudness));
                }
        speakers?.Sort((a, b) => b.Loudness.CompareTo(a.Loudness));
        IReadOnlyList<ActiveSpeaker> next = speakers ?? (IReadOnlyList<ActiveSpeaker>)[];
        var previous = ActiveSpeakers;
        bool changed = previous.Count != next.Count;
        for (int i = 0; !changed && i < next.Count; i++)
            changed = previous[i].ProducerId != next[i].ProducerId;
        ActiveSpeakers = next;
        if (changed)
        {
            try { ActiveSpeakersChanged?.Invoke(next); }
            catch (Exception) { /* a listener's bug must not stop the timer */ }
        }
    }
}
