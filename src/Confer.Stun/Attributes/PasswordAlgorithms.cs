using System.Buffers.Binary;
using Confer.Stun.Auth;

namespace Confer.Stun.Attributes;

/// <summary>
/// PASSWORD-ALGORITHM (RFC 8489 §14.12) and PASSWORD-ALGORITHMS (RFC 8489 §14.11). Each entry is
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Algorithm            |  Algorithm Parameters Length  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Algorithm Parameters (variable, padded to 4)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// PASSWORD-ALGORITHM holds one entry, PASSWORD-ALGORITHMS a list. MD5 and SHA-256 take no parameters.
/// </summary>
public static class PasswordAlgorithms
{
    /// <summary>Reads the single entry of PASSWORD-ALGORITHM.</summary>
    public static bool TryReadOne(ReadOnlySpan<byte> value, out PasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters)
    {
        algorithm = 0;
        parameters = default;
        if (!TryReadEntry(value, out algorithm, out parameters, out int consumed) || consumed != value.Length)
        {
            algorithm = 0;
            parameters = default;
            return false;
        }
        return true;
    }

    /// <summary>Validates a PASSWORD-ALGORITHMS value and counts its entries.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out int count)
    {
        count = 0;
        while (!value.IsEmpty)
        {
            if (!TryReadEntry(value, out _, out _, out int consumed)) { count = 0; return false; }
            value = value[consumed..];
            count++;
        }
        return true;
    }

    /// <summary>Enumerates the entries of a PASSWORD-ALGORITHMS value; stops at the first malformed one.</summary>
    public static Enumerator Enumerate(ReadOnlySpan<byte> value) => new(value);

    /// <summary>True when the list names <paramref name="algorithm"/>.</summary>
    public static bool Contains(ReadOnlySpan<byte> value, PasswordAlgorithm algorithm)
    {
        foreach (var entry in Enumerate(value)) if (entry.Algorithm == algorithm) return true;
        return false;
    }

    /// <summary>
    /// True when a PASSWORD-ALGORITHMS value lists exactly <paramref name="algorithms"/>, in that order, without parameters:
    /// the server's check that the list a client echoes is the one it sent (RFC 8489 §9.2.4). Never throws.
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> value, ReadOnlySpan<PasswordAlgorithm> algorithms)
    {
        if (value.Length != 4 * algorithms.Length) return false;
        int i = 0;
        foreach (var entry in Enumerate(value))
        {
            if (entry.Algorithm != algorithms[i] || !entry.Parameters.IsEmpty) return false;
            i++;
        }
        return i == algorithms.Length;
    }

    private static bool TryReadEntry(ReadOnlySpan<byte> value, out PasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters, out int consumed)
    {
        algorithm = 0;
        parameters = default;
        consumed = 0;
        if (value.Length < 4) return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        if (value.Length - 4 < length) return false;
        algorithm = (PasswordAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(value);
        parameters = value.Slice(4, length);
        consumed = Math.Min(value.Length, 4 + ((length + 3) & ~3));
        return true;
    }

    public readonly ref struct Entry
    {
        public Entry(PasswordAlgorithm algorithm, ReadOnlySpan<byte> parameters)
        {
            Algorithm = algorithm;
            Parameters = parameters;
        }

        public PasswordAlgorithm Algorithm { get; }
        public ReadOnlySpan<byte> Parameters { get; }
    }

    public ref struct Enumerator
    {
        private ReadOnlySpan<byte> _rest;
        private Entry _current;

        internal Enumerator(ReadOnlySpan<byte> value)
        {
            _rest = value;
            _current = default;
        }

        public readonly Entry Current => _current;
        public readonly Enumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (!TryReadEntry(_rest, out var algorithm, out var parameters, out int consumed)) return false;
            _current = new Entry(algorithm, parameters);
            _rest = _rest[consumed..];
            return true;
        }
    }

    /// <summary>PASSWORD-ALGORITHM with no parameters (MD5, SHA-256).</summary>
    public static void AddPasswordAlgorithm(this ref StunMessageWriter writer, PasswordAlgorithm algorithm)
    {
        var value = writer.Reserve(StunAttributeType.PasswordAlgorithm, 4);
        BinaryPrimitives.WriteUInt16BigEndian(value, (ushort)algorithm);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], 0);
    }

    /// <summary>PASSWORD-ALGORITHMS listing algorithms without parameters, in order of preference.</summary>
    public static void AddPasswordAlgorithms(this ref StunMessageWriter writer, scoped ReadOnlySpan<PasswordAlgorithm> algorithms)
    {
        var value = writer.Reserve(StunAttributeType.PasswordAlgorithms, 4 * algorithms.Length);
        for (int i = 0; i < algorithms.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(4 * i)..], (ushort)algorithms[i]);
            BinaryPrimitives.WriteUInt16BigEndian(value[(4 * i + 2)..], 0);
        }
    }
}
