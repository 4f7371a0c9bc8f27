using Microsoft.Extensions.Logging;

namespace Confer.Sfu.Tests.Forwarding;

/// <summary>Keeps every log line, for asserting that decisions are logged with their reason.</summary>
internal sealed class ListLogger : ILogger
{
    public List<(EventId Id, string Message)> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add((eventId, formatter(state, exception)));
}
