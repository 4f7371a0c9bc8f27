using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Confer.Server.Web;

/// <summary>
/// Serves the browser side of Confer from inside the binary (<c>client/</c> is embedded at build, so the published
/// single file needs nothing beside it): the SDK at <c>/sdk/*</c>, the meeting app's assets at <c>/app/*</c>, the start
/// page at <c>/</c> and a meeting at <c>/room/{name}</c>. With <c>CONFER_CLIENT_DIR</c> set they come from that folder
/// instead (edit and reload while working on the client).
/// </summary>
public static class WebAppEndpoints
{
    /// <summary><c>CONFER_CLIENT_DIR</c> when set: the client files are read from there; null: from the binary.</summary>
    public static string? ClientDirectory =>
        Environment.GetEnvironmentVariable("CONFER_CLIENT_DIR") is { Length: > 0 } dir ? Path.GetFullPath(dir) : null;

    /// <summary>The client files: the folder of <see cref="ClientDirectory"/>, else the embedded copy.</summary>
    internal static IFileProvider ClientFiles(string sub)
    {
        if (ClientDirectory is { } dir)
            return Directory.Exists(Path.Combine(dir, sub)) ? new PhysicalFileProvider(Path.Combine(dir, sub)) : new NullFileProvider();
        return new ManifestEmbeddedFileProvider(typeof(WebAppEndpoints).Assembly, "client/" + sub);
    }

    public static WebApplication MapConferWebApp(this WebApplication app)
    {
        IFileProvider sdk = ClientFiles("sdk"), pages = ClientFiles("app");
        if (!sdk.GetFileInfo("confer.js").Exists || !pages.GetFileInfo("index.html").Exists)
        {
            app.Logger.LogWarning("Web app not found under {Root}: /, /room and /sdk will answer 404", ClientDirectory ?? "the binary");
            return app;
        }

        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".ts"] = "text/plain; charset=utf-8"; // index.d.ts, not an MPEG transport stream
        types.Mappings[".webmanifest"] = "application/manifest+json";
        foreach (var (path, files) in new[] { ("/sdk", sdk), ("/app", pages) })
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                RequestPath = path,
                FileProvider = files,
                ContentTypeProvider = types,
                // Modules are small and change with the server: always revalidate (ETag makes it cheap).
                OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
            });
        }

        app.MapGet("/", () => Page(pages, "index.html"));
        app.MapGet("/room/{name}", (string name) => Page(pages, "room.html"));
        app.MapGet("/diag", () => Page(pages, "diag.html"));
        return app;
    }

    private static IResult Page(IFileProvider files, string name)
    {
        var file = files.GetFileInfo(name);
        return file.Exists
            ? Results.Stream(file.CreateReadStream(), "text/html; charset=utf-8", lastModified: file.LastModified)
            : Results.NotFound();
    }
}
