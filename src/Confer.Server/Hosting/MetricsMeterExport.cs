using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Confer.Server.Hosting;

/// <summary>
/// Exports this host's <c>Confer.*</c> System.Diagnostics.Metrics meters (<c>Confer.Turn</c>, <c>Confer.Transport</c>) into
/// its Prometheus registry. Confer's instruments are observable (a field each, read when asked), so nothing is recorded
/// per packet: <see cref="Collect"/> runs just before a scrape, reads every instrument once and copies the values into
/// prometheus-net series. Names are <c>confer_&lt;meter&gt;_&lt;instrument&gt;</c>, counters end in <c>_total</c>, and tags become
/// labels. Synchronous instruments (<c>Counter&lt;T&gt;.Add</c> on a hot path) are not exported: give a Confer meter
/// observable instruments, as <c>TurnMetrics</c> does. Only meters of this host's <see cref="IMeterFactory"/> are exported, so two hosts in one process (tests) keep
/// their figures apart.
/// </summary>
internal sealed class MetricsMeterExport : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly object? _scope;
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Lock _collecting = new();

    private sealed record Family(Collector Collector, string[] Labels, bool IsCounter);

    public MetricsMeterExport(IMetricFactory factory, IMeterFactory? meters)
    {
        _factory = factory;
        _scope = meters;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!Exported(instrument)) return;
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private bool Exported(Instrument instrument) =>
        instrument.Meter.Name.StartsWith("Confer.", StringComparison.Ordinal)
        && (_scope is null || ReferenceEquals(instrument.Meter.Scope, _scope))
        && instrument.GetType().Name.StartsWith("Observable", StringComparison.Ordinal);

    /// <summary>Reads every exported instrument into its series (called before each scrape).</summary>
    public void Collect()
    {
        lock (_collecting) _listener.RecordObservableInstruments();
    }

    /// <summary>The Prometheus name of an instrument: <c>Confer.Turn</c> + <c>relayed_bytes</c> → <c>confer_turn_relayed_bytes_total</c>.</summary>
    internal static string NameOf(string meter, string instrument, bool counter)
    {
        var name = $"{meter}_{instrument}".Replace('.', '_').Replace('-', '_').ToLowerInvariant();
        return counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_families.TryGetValue(instrument, out var family))
        {
            var labels = new string[tags.Length];
            for (int i = 0; i < tags.Length; i++) labels[i] = tags[i].Key;
            bool counter = instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
            var name = NameOf(instrument.Meter.Name, instrument.Name, counter);
            var help = instrument.Description ?? instrument.Name;
            family = _families.GetOrAdd(instrument, new Family(
                counter ? _factory.CreateCounter(name, help, labels) : _factory.CreateGauge(name, help, labels), labels, counter));
        }
        var values = new string[family.Labels.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = "";
            foreach (var tag in tags)
                if (tag.Key == family.Labels[i]) { values[i] = tag.Value?.ToString() ?? ""; break; }
        }
        if (family.IsCounter)
        {
            var counter = (Counter)family.Collector;
            (values.Length == 0 ? (ICounter)counter : counter.WithLabels(values)).IncTo(value);
        }
        else
        {
            var gauge = (Gauge)family.Collector;
            (values.Length == 0 ? (IGauge)gauge : gauge.WithLabels(values)).Set(value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
