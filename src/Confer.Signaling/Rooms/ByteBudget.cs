namespace Confer.Signaling.Rooms;

/// <summary>
/// A token bucket of bytes: <c>perSecond</c> refill up to <c>burst</c>, read from a <see cref="TimeProvider"/>'s
/// timestamps. A message is let through while the balance is positive and may take it below zero (so one message
/// larger than the burst still goes, then the sender waits); what a sender makes the server hold is therefore
/// bounded by the burst plus one message. Owned by its room, used under the room's lock.
/// </summary>
internal sealed class ByteBudget(long perSecond, long burst, long now)
{
    private double _balance = burst;
    private long _last = now;

    /// <summary>Takes <paramref name="bytes"/> when the balance is positive; false (nothing taken) when it is not.</summary>
    public bool TryTake(long bytes, TimeProvider time)
    {
        Refill(time);
        if (_balance <= 0) return false;
        _balance -= bytes;
        return true;
    }

    /// <summary>True when the bucket has refilled completely: then it is no different from a new one and can be forgotten.</summary>
    public bool IsFull(TimeProvider time)
    {
        Refill(time);
        return _balance >= burst;
    }

    private void Refill(TimeProvider time)
    {
        var now = time.GetTimestamp();
        _balance = Math.Min(burst, _balance + time.GetElapsedTime(_last, now).TotalSeconds * perSecond);
        _last = now;
    }
}
