using Confer.Sfu.Bandwidth;
using Confer.Sfu.Forwarding;

namespace Confer.Sfu.Session;

internal sealed partial class SfuRouter
{
    private readonly LayerAllocator _allocator = new();
    private long _lastAllocationAt;

    /// <summary>
    /// Shares each subscriber's send-side estimate among its down-tracks (<see cref="LayerAllocator"/>): per consumer a
    /// demand from its tile size, the producer's measured layer bitrates and heights, and the active-speaker flag;
    /// the decision caps the consumer's spatial layer (or pauses it). Runs on the tick every
    /// <see cref="SfuRouterOptions.AllocationInterval"/>, taking one publisher lock at a time.
    /// </summary>
    private void Allocate(long now, long frequency)
    {
        if (!Options.AllocateLayers || now - _lastAllocationAt < (long)(Options.AllocationInterval.TotalSeconds * frequency))
            return;
        _lastAllocationAt = now;
        long nowMicros = MediaClock.NowMicros(Time);
        var speakers = ActiveSpeakers;
        foreach (var subscriber in Volatile.Read(ref _subscriberSnapshot))
        {
            var consumers = subscriber.Consumers;
            if (consumers.Count == 0) continue;
            var demands = new DownTrackDemand[consumers.Count];
            for (int i = 0; i < consumers.Count; i++)
            {
                var consumer = consumers[i];
                lock (consumer.Producer.Connection.Gate)
                    demands[i] = consumer.Demand(nowMicros, speakers.Any(s => s.ParticipantId == consumer.Producer.ParticipantId));
            }
            var decisions = new LayerDecision[demands.Length];
            _allocator.Allocate(subscriber.TargetBitrate, demands, decisions);
            for (int i = 0; i < consumers.Count; i++)
            {
                var consumer = consumers[i];
                lock (consumer.Producer.Connection.Gate)
                    if (!consumer.Closed)
                        consumer.ApplyAllocation(decisions[i]);
            }
        }
    }
}
