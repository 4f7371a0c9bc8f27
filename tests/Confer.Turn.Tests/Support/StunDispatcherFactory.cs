using Confer.Turn.Handlers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Turn.Tests.Support;

internal static class StunDispatcherFactory
{
    public static StunDispatcher Create(TurnOptions options, TurnMetrics metrics, TimeProvider time) =>
        new(options, metrics, time, NullLogger<StunDispatcher>.Instance);
}
