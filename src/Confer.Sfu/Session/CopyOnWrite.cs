namespace Confer.Sfu.Session;

/// <summary>
/// Arrays replaced whole on change, so the packet path reads a list without a lock (Volatile.Read the field) while
/// structure changes, under their owner's lock, publish a new one.
/// </summary>
internal static class CopyOnWrite
{
    /// <summary>Publishes into <paramref name="field"/> a copy with <paramref name="item"/> appended.</summary>
    public static void Add<T>(ref T[] field, T item)
    {
        var old = field;
        var next = new T[old.Length + 1];
        old.CopyTo(next, 0);
        next[^1] = item;
        Volatile.Write(ref field, next);
    }

    /// <summary>Publishes into <paramref name="field"/> a copy without <paramref name="item"/> (nothing when absent).</summary>
    public static void Remove<T>(ref T[] field, T item) where T : class
    {
        var old = field;
        int index = Array.IndexOf(old, item);
        if (index < 0) return;
        var next = new T[old.Length - 1];
        Array.Copy(old, 0, next, 0, index);
        Array.Copy(old, index + 1, next, index, old.Length - index - 1);
        Volatile.Write(ref field, next);
    }
}
