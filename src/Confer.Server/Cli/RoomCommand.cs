using System.CommandLine;
using System.Text.Json;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;

namespace Confer.Server.Cli;

/// <summary><c>confer room list|create|delete</c> over the server API.</summary>
internal static class RoomCommand
{
    public static Command Create()
    {
        var api = new ApiFlags();
        var list = new Command("list", "List rooms.");
        api.AddTo(list);
        list.SetAction((parse, ct) => ApiFlags.SendAsync(api.Client(parse, new VideoGrant { RoomList = true }), HttpMethod.Get, "/api/rooms", null, ct));

        var name = new Argument<string>("name") { Description = "Room name." };
        var max = new Option<int?>("--max-participants") { Description = "Participant limit." };
        var empty = new Option<int?>("--empty-timeout") { Description = "Seconds an empty room lives (default 300)." };
        var metadata = new Option<string?>("--metadata") { Description = "Room metadata." };
        var create = new Command("create", "Create a room.") { name, max, empty, metadata };
        api.AddTo(create);
        create.SetAction((parse, ct) =>
        {
            var body = JsonSerializer.Serialize(new ApiCreateRoom(parse.GetValue(name), parse.GetValue(max), parse.GetValue(empty), parse.GetValue(metadata)),
                ProtocolJsonContext.Default.ApiCreateRoom);
            return ApiFlags.SendAsync(api.Client(parse, new VideoGrant { RoomCreate = true }), HttpMethod.Post, "/api/rooms", body, ct);
        });

        var deleteName = new Argument<string>("name") { Description = "Room name." };
        var delete = new Command("delete", "Delete a room, disconnecting everyone in it.") { deleteName };
        api.AddTo(delete);
        delete.SetAction((parse, ct) => ApiFlags.SendAsync(api.Client(parse, new VideoGrant { RoomCreate = true }), HttpMethod.Delete,
            $"/api/rooms/{Uri.EscapeDataString(parse.GetValue(deleteName)!)}", null, ct));

        return new Command("room", "Manage rooms on a running server.") { list, create, delete };
    }
}
