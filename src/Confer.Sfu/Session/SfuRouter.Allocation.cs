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
            long allocated = _allocator.Allocate(subscriber.TargetBitrate, demands, decisions);
            subscriber.ConsiderProbe(OneLayerUp(demands, decisions, allocated), now, frequency);
            for (int i = 0; i < consumers.Count; i++)
            {
                var consumer = consumers[i];
                lock (consumer.Producer.Connection.Gate)
                    if (!consumer.Closed)
                        consumer.ApplyAllocation(decisions[i]);
            }
        }
    }

    /// <summary>
    /// What the subscriber would need for its first budget-limited video (the allocator ranks them) to go one spatial layer
    /// up toward what its tile calls for; 0 when none is held below it by the estimate.
    /// </summary>
    private static long OneLayerUp(DownTrackDemand[] demands, LayerDecision[] decisions, long allocated)
    {
        for (int i = 0; i < decisions.Length; i++)
        {
            var d = decisions[i];
            if (d.Reason is not (AllocationReason.BudgetLimited or AllocationReason.MinimumOverBudget or AllocationReason.PausedNoBudget)) continue;
            int next = d.Target.IsPaused ? 0 : d.Target.Spatial + 1;
            foreach (var offer in demands[i].Layers)
                if (offer.Layer.Spatial == next && offer.Bitrate > 0)
                    return allocated - d.Bitrate + offer.Bitrate + offer.Bitrate / 10;
        }
        return 0;
    }
}
