using Confer.Sfu.Bandwidth;

namespace Confer.Sfu.Session;

/// <summary>A simulcast track's layers the publisher should send now: spatial layers 0 to <paramref name="ActiveUpTo"/>.</summary>
internal readonly record struct PublishedLayers(Producer Producer, int ActiveUpTo);

internal sealed partial class SfuRouter
{
    // Owned by the tick (one at a time: Tick skips overlaps), so no lock of its own.
    private readonly Dictionary<Producer, DynacastGate> _dynacast = [];
    private readonly List<(string Subscriber, int MaxSpatial)> _wantedScratch = [];

    /// <summary>
    /// A simulcast track's wanted layers changed (dynacast): tell its publisher which to send. Raised on the timer, with no
    /// lock of the router held.
    /// </summary>
    public event Action<PublishedLayers>? PublishedLayersChanged;

    /// <summary>
    /// Dynacast: for each simulcast video track, the highest layer any of its subscribers' tiles calls for
    /// (<see cref="Consumer.WantedSpatial"/>, whatever their downlinks) decides which layers the publisher keeps sending;
    /// the rest are paused at the browser, so nobody encodes or uploads a layer nobody watches. Raising is at once,
    /// lowering waits <see cref="DynacastOptions.PauseDelay"/> (<see cref="DynacastGate"/>), and the lowest layer always
    /// flows. Runs with the allocation, one publisher lock at a time.
    /// </summary>
    private void UpdateDynacast()
    {
        if (!Options.Dynacast) return;
        List<PublishedLayers>? changes = null;
        foreach (var publisher in Volatile.Read(ref _publisherSnapshot))
        {
            lock (publisher.Gate)
                foreach (var producer in publisher.Producers)
                {
                    if (producer.IsAudio || producer.Layers.Length < 2 || producer.Closed) continue;
                    if (!_dynacast.TryGetValue(producer, out var gate))
                        _dynacast[producer] = gate = new DynacastGate(Time, producer.Layers.Length, new DynacastOptions { PauseDelay = Options.DynacastPauseDelay, MinimumLayer = 0 });
                    _wantedScratch.Clear();
                    foreach (var consumer in producer.Consumers)
                        if (!consumer.Closed) _wantedScratch.Add((consumer.SubscriberId, consumer.WantedSpatial()));
                    gate.Replace(_wantedScratch);
                    if (gate.Update()) (changes ??= []).Add(new PublishedLayers(producer, gate.ActiveUpTo));
                }
        }
        foreach (var gone in _dynacast.Keys.Where(p => p.Closed).ToList()) _dynacast.Remove(gone);
        if (changes is null) return;
        foreach (var change in changes)
        {
            try { PublishedLayersChanged?.Invoke(change); }
            catch (Exception) { /* a listener's bug must not stop the timer */ }
        }
    }
}
