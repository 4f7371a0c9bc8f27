namespace Confer.Server.Hosting;

/// <summary>
/// Log scopes that every line written inside them carries (the JSON console format prints them under <c>Scopes</c>):
/// the room and identity of a signaling connection from its token on, and its participant sid once joined. Never the
/// token itself.
/// </summary>
internal static class LoggingScopes
{
    private static readonly Func<ILogger, string, string, IDisposable?> Connection =
        LoggerMessage.DefineScope<string, string>("Room {Room} identity {Identity}");

    private static readonly Func<ILogger, string, IDisposable?> Participant =
        LoggerMessage.DefineScope<string>("Participant {Sid}");

    public static IDisposable? BeginConnection(ILogger logger, string room, string identity) => Connection(logger, room, identity);

    public static IDisposable? BeginParticipant(ILogger logger, string sid) => Participant(logger, sid);
}
