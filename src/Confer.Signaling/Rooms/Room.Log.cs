using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

internal sealed partial class Room
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Room {Room} created")]
    private static partial void LogRoomCreated(ILogger logger, string room);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Room {Room} closed")]
    private static partial void LogRoomClosed(ILogger logger, string room);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Room {Room} is full ({Max} participants); join refused")]
    private static partial void LogRoomFull(ILogger logger, string room, int max);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "{Identity} ({Sid}) joined {Room}")]
    private static partial void LogJoined(ILogger logger, string room, string identity, string sid);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "{Identity} left {Room}: {Reason}")]
    private static partial void LogLeft(ILogger logger, string room, string identity, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "{Identity} in {Room} disconnected; may resume within {Grace} s")]
    private static partial void LogDisconnected(ILogger logger, string room, string identity, int grace);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "{Identity} in {Room} reaches {Peer} by {Path}")]
    private static partial void LogMediaPath(ILogger logger, string room, string identity, string peer, string path);

    [LoggerMessage(EventId = 113, Level = LogLevel.Debug, Message = "{Identity} resumed in {Room}: {Count} frames replayed, complete {Complete}")]
    private static partial void LogResumed(ILogger logger, string room, string identity, int count, bool complete);
}
