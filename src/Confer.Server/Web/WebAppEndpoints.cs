using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Confer.Server.Web;

/// <summary>
/// Serves the browser side of Confer from <c>wwwroot/</c> next to the binary (copied there from
/// <c>client/</c> at build and publish): the SDK at <c>/sdk/*</c>, the meeting app's assets at
/// <c>/app/*</c>, the start page at <c>/</c> and a meeting at <c>/room/{name}</c>.
/// </summary>
public static class WebAppEndpoints
{
    /// <summary>Where the client files are: <c>CONFER_CLIENT_DIR</c> when set (edit-and-reload), else <c>wwwroot</c> beside the binary.</summary>
    public static string ClientRoot =>
        Environment.GetEnvironmentVariable("CONFER_CLIENT_DIR") is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.Combine(AppContext.BaseDirectory, "wwwroot");

    public static WebApplication MapConferWebApp(this WebApplication app)
    {
        var root = ClientRoot;
        if (!Directory.Exists(Path.Combine(root, "sdk")) || !Directory.Exists(Path.Combine(root, "app")))
        {
            app.Logger.LogWarning("Web app not found under {Root}: /, /room and /sdk will answer 404", root);
            return app;
        }

        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".ts"] = "text/plain; charset=utf-8"; // index.d.ts, not an MPEG transport stream
        types.Mappings[".webmanifest"] = "application/manifest+json";
        foreach (var (path, dir) in new[] { ("/sdk", "sdk"), ("/app", "app") })
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                RequestPath = path,
                FileProvider = new PhysicalFileProvider(Path.Combine(root, dir)),
                ContentTypeProvider = types,
                // Modules are small and change with the server: always revalidate (ETag makes it cheap).
                OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
            });
        }

        var index = Path.Combine(root, "app", "index.html");
        var room = Path.Combine(root, "app", "room.html");
        app.MapGet("/", () => Page(index));
        app.MapGet("/room/{name}", (string name) => Page(room));
        return app;
    }

    private static IResult Page(string file) =>
        File.Exists(file) ? Results.File(file, "text/html; charset=utf-8") : Results.NotFound();
}
