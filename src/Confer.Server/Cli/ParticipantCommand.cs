using System.CommandLine;
using Confer.Signaling.Auth;

namespace Confer.Server.Cli;

/// <summary><c>confer participant list|remove</c> over the server API.</summary>
internal static class ParticipantCommand
{
    public static Command Create()
    {
        var api = new ApiFlags();
        var room = new Option<string>("--room") { Description = "Room name.", Required = true };
        var list = new Command("list", "List the participants of a room.") { room };
        api.AddTo(list);
        list.SetAction((parse, ct) =>
        {
            var r = parse.GetValue(room)!;
            return ApiFlags.SendAsync(api.Client(parse, new VideoGrant { RoomAdmin = true, Room = r }), HttpMethod.Get,
                $"/api/rooms/{Uri.EscapeDataString(r)}/participants", null, ct);
        });

        var removeRoom = new Option<string>("--room") { Description = "Room name.", Required = true };
        var identity = new Option<string>("--identity") { Description = "Participant identity.", Required = true };
        var remove = new Command("remove", "Disconnect a participant from a room.") { removeRoom, identity };
        api.AddTo(remove);
        remove.SetAction((parse, ct) =>
        {
            var r = parse.GetValue(removeRoom)!;
            return ApiFlags.SendAsync(api.Client(parse, new VideoGrant { RoomAdmin = true, Room = r }), HttpMethod.Delete,
                $"/api/rooms/{Uri.EscapeDataString(r)}/participants/{Uri.EscapeDataString(parse.GetValue(identity)!)}", null, ct);
        });

        return new Command("participant", "Manage participants on a running server.") { list, remove };
    }
}
