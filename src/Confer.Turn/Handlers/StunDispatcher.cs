using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Transport;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Handlers;

/// <summary>
/// The entry point for every packet a client sends: ChannelData goes to the relay, STUN messages to the
/// handler for their method (one file per method). Anything else is dropped without a reply and without
/// creating state (RFC 8489 §6.3: a server silently discards what is not a well-formed message).
/// </summary>
public sealed partial class StunDispatcher : IPacketHandler, IDisposable
{
    private readonly BindingHandler _binding;
    private readonly ILogger _logger;
    private readonly TurnMetrics _metrics;

    public StunDispatcher(TurnOptions options, TurnMetrics metrics, ILogger<StunDispatcher> logger)
    {
        _metrics = metrics;
        _logger = logger;
        _binding = new BindingHandler(options, metrics);
    }

    public void OnPacket(ReadOnlySpan<byte> packet, in PacketContext context)
    {
        if (!StunMessage.TryRead(packet, out var message, out var error))
        {
            _metrics.Dropped("malformed");
            Log.Malformed(_logger, context.Tuple, error);
            return;
        }
        // A FINGERPRINT that does not match means this is not STUN after all (RFC 8489 §7.3).
        if (message.FingerprintOffset >= 0 && !Fingerprint.Verify(message))
        {
            _metrics.Dropped("fingerprint");
            Log.BadFingerprint(_logger, context.Tuple);
            return;
        }
        if (message.Class == StunClass.Request)
        {
            switch (message.Method)
            {
                case StunMethod.Binding: _binding.Handle(message, context); return;
            }
        }
        _metrics.Dropped("unexpected");
        Log.Unexpected(_logger, context.Tuple, message.Type);
    }

    public void OnConnectionClosed(in FiveTuple tuple)
    {
    }

    public void Dispose()
    {
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Trace, Message = "Dropped a malformed packet from {Tuple}: {Error}")]
        public static partial void Malformed(ILogger logger, FiveTuple tuple, StunError error);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Dropped a message with a bad FINGERPRINT from {Tuple}")]
        public static partial void BadFingerprint(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Dropped an unexpected {Type} from {Tuple}")]
        public static partial void Unexpected(ILogger logger, FiveTuple tuple, StunMessageType type);
    }
}
