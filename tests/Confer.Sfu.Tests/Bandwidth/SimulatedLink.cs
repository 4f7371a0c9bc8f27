using Confer.Sfu.Bandwidth;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Bandwidth;

/// <summary>
/// A deterministic one-way path for the estimator: a sender paced at the estimator's target, random loss, a
/// bottleneck FIFO with a capacity and a drop-tail limit, a propagation delay, a <see cref="TwccRecorder"/> at the
/// receiver sending feedback every 50 ms, and the feedback's way back. Time is a <see cref="FakeTimeProvider"/>
/// stepped by 1 ms; packet events carry exact microsecond times.
/// </summary>
internal sealed class SimulatedLink
{
    private const int PacketSize = 1200;
    private readonly FakeTimeProvider _time = new();
    private readonly Random _random;
    private readonly Queue<(ushort Sequence, long ArrivalMicros)> _inFlight = new();
    private readonly Queue<(long DeliverMicros, TwccArrival[] Arrivals)> _feedback = new();
    private readonly TwccArrival[] _feedbackBuffer = new TwccArrival[1024];
    private readonly long _originMicros;
    private long _nextSendMicros;
    private long _busyUntilMicros;

    public SimulatedLink(long capacityBps, double lossRate = 0, int seed = 1, long propagationMicros = 25_000, SendSideEstimatorOptions? options = null)
    {
        CapacityBps = capacityBps;
        LossRate = lossRate;
        PropagationMicros = propagationMicros;
        _random = new Random(seed);
        History = new SendHistory(_time);
        Estimator = new SendSideEstimator(History, _time, options);
        Recorder = new TwccRecorder(_time, new TwccRecorderOptions { FeedbackInterval = TimeSpan.FromMilliseconds(50) });
        _originMicros = Now;
        _nextSendMicros = Now;
        _busyUntilMicros = Now;
    }

    public long CapacityBps { get; set; }
    public double LossRate { get; set; }
    public long PropagationMicros { get; }
    public long MaxQueueMicros { get; set; } = 1_000_000;
    public SendHistory History { get; }
    public SendSideEstimator Estimator { get; }
    public TwccRecorder Recorder { get; }
    public long Now => MediaClock.NowMicros(_time);
    public double ElapsedSeconds => (Now - _originMicros) / 1e6;

    /// <summary>The queueing delay a packet sent now would see, microseconds.</summary>
    public long QueueDelayMicros => Math.Max(0, _busyUntilMicros - Now);

    public long PacketsSent { get; private set; }
    public long PacketsDroppedAtQueue { get; private set; }

    /// <summary>Runs for <paramref name="duration"/>, calling <paramref name="everyMillisecond"/> after each step.</summary>
    public void Run(TimeSpan duration, Action<SimulatedLink>? everyMillisecond = null)
    {
        long steps = (long)duration.TotalMilliseconds;
        for (long i = 0; i < steps; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Step();
            everyMillisecond?.Invoke(this);
        }
    }

    private void Step()
    {
        long now = Now;
        while (_nextSendMicros <= now)
        {
            Send(_nextSendMicros);
            _nextSendMicros += PacketSize * 8L * 1_000_000 / Math.Max(Estimator.TargetBitrate, 1);
        }

        while (_inFlight.Count > 0 && _inFlight.Peek().ArrivalMicros <= now)
        {
            var (sequence, arrival) = _inFlight.Dequeue();
            Recorder.Record(sequence, arrival);
        }

        if (Recorder.TryTakeFeedback(_feedbackBuffer, out var batch))
            _feedback.Enqueue((now + PropagationMicros, _feedbackBuffer.AsSpan(0, batch.Count).ToArray()));

        while (_feedback.Count > 0 && _feedback.Peek().DeliverMicros <= now)
            Estimator.OnFeedback(_feedback.Dequeue().Arrivals);
    }

    private void Send(long sendMicros)
    {
        ushort sequence = History.Record(PacketSize, sendMicros);
        PacketsSent++;
        if (LossRate > 0 && _random.NextDouble() < LossRate) return;
        long start = Math.Max(sendMicros, _busyUntilMicros);
        if (start - sendMicros > MaxQueueMicros)
        {
            PacketsDroppedAtQueue++;
            return;
        }
        _busyUntilMicros = start + PacketSize * 8L * 1_000_000 / CapacityBps;
        _inFlight.Enqueue((sequence, _busyUntilMicros + PropagationMicros));
    }
}
