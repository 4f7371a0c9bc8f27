using System.Text;

namespace Confer.Turn.Tests.Infrastructure;

/// <summary>
/// Keeps what a long-running child process printed, for failure messages. Bounded: past the limit only the
/// first and the latest lines are kept, so a chatty server cannot eat the test's memory.
/// </summary>
internal sealed class LogBuffer
{
    private const int HeadLimit = 32 * 1024;
    private const int TailLines = 400;
    private readonly StringBuilder _head = new();
    private readonly Queue<string> _tail = new();
    private long _dropped;

    public void Add(string? line)
    {
        if (line is null) return;
        lock (_head)
        {
            if (_head.Length < HeadLimit) { _head.AppendLine(line); return; }
            _tail.Enqueue(line);
            if (_tail.Count > TailLines) { _tail.Dequeue(); _dropped++; }
        }
    }

    public bool Contains(string text)
    {
        lock (_head) return _head.ToString().Contains(text, StringComparison.Ordinal) || _tail.Any(l => l.Contains(text, StringComparison.Ordinal));
    }

    public override string ToString()
    {
        lock (_head)
        {
            var text = new StringBuilder(_head.ToString());
            if (_dropped > 0) text.AppendLine($"… {_dropped} lines left out …");
            foreach (var line in _tail) text.AppendLine(line);
            return text.ToString();
        }
    }
}
