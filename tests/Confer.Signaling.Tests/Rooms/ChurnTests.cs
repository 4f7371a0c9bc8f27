using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Rooms;

public sealed class ChurnTests
{
    [Fact]
    public async Task Churn_1000ClientsIn50Rooms_NothingLeaks()
    {
        await using var server = await TestServer.StartAsync(o => o.EmptyTimeout = TimeSpan.FromSeconds(5));
        const int clients = 1000, rooms = 50, parallel = 50;
        using var gate = new SemaphoreSlim(parallel);
        var errors = 0;

        var tasks = Enumerable.Range(0, clients).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await using var c = await server.JoinAsync($"room-{i % rooms}", $"user-{i}");
                await c.SendAsync(new { type = "chat", text = $"hi from {i}" });
                await c.ExpectAsync("chat");
                if (i % 3 == 0) await c.SendAsync(new { type = "leave" });      // explicit leave
                else if (i % 3 == 1) c.Drop();                                  // dropped socket (grace)
                // else: a normal close in DisposeAsync
            }
            catch (Exception)
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(0, errors);

        // Dropped sockets sit out their grace period; then the empty rooms time out.
        await TestServer.EventuallyAsync(() => Connected(server) == 0, "every socket to be noticed", 10_000);
        server.Time.Advance(TimeSpan.FromSeconds(21));
        await server.AssertEmptyAsync();
        server.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(0, server.Rooms.RoomCount);
    }

    private static int Connected(TestServer server)
    {
        var n = 0;
        for (var r = 0; r < 50; r++)
            for (var i = r; i < 1000; i += 50)
                if (server.Rooms.IsConnected(new($"room-{r}"), $"user-{i}") == true) n++;
        return n;
    }
}
