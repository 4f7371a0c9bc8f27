using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Confer.Server.Webhooks;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Confer.Server.Tests.Webhooks;

/// <summary>A real Confer host on port 0 posting webhooks to the given receivers, and an independent check of their signatures.</summary>
internal static class WebhookTestHost
{
    public const string Key = "webhookkey";
    public const string Secret = "webhook-test-secret-0123456789abcdefghijklmnop";

    public static async Task<WebApplication> StartAsync(IEnumerable<string> urls, Action<WebhookOptions>? configure = null)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true };
        options.Signaling.Keys.Add(Key, Secret);
        options.Signaling.EmptyTimeout = TimeSpan.Zero; // a room ends as its last participant leaves
        options.Signaling.ResumeGrace = TimeSpan.Zero;  // and a closed socket is a leave at once
        options.Webhooks.Urls.AddRange(urls);
        options.Webhooks.InitialBackoff = TimeSpan.FromMilliseconds(50);
        options.Webhooks.MaxBackoff = TimeSpan.FromMilliseconds(400);
        options.Webhooks.RequestTimeout = TimeSpan.FromSeconds(5);
        configure?.Invoke(options.Webhooks);
        var app = ConferHost.Build(options);
        await app.StartAsync();
        return app;
    }

    public static string Token(string room, string identity, string? name = null, string? metadata = null) =>
        RtcClient.Token(Key, Secret, room, identity, name, metadata);

    public static WebhookMetrics Metrics(WebApplication app) => app.Services.GetRequiredService<WebhookMetrics>();

    /// <summary>
    /// Checks a webhook's signature without Confer's code: the JWT validates (HS256, the secret, iss = the key, exp)
    /// with Microsoft's JsonWebTokenHandler, and its <c>sha256</c> claim is the base64 SHA-256 of the body.
    /// </summary>
    public static async Task<string?> VerifyAsync(HookRequest request, string body)
    {
        if (request.Authorization is not { } jwt) return "no Authorization header";
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidIssuer = Key,
            ValidateAudience = false,
            RequireExpirationTime = true,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        });
        if (!result.IsValid) return "JWT invalid: " + result.Exception?.Message;
        var claimed = result.Claims.TryGetValue("sha256", out var c) ? c as string : null;
        var actual = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        return claimed == actual ? null : $"sha256 claim {claimed} is not the body's {actual}";
    }

    /// <summary>The events of one room, as "event identity" strings, in arrival order.</summary>
    public static List<string> Sequence(IEnumerable<HookRequest> requests, string room) =>
        [.. requests.Where(r => r.RoomName == room).Select(r => r.Json is var j && j.TryGetProperty("participant", out var p)
            ? $"{r.Event} {p.GetProperty("identity").GetString()}" : r.Event)];

    public static JsonElement Get(this JsonElement e, string path)
    {
        foreach (var part in path.Split('.')) e = e.GetProperty(part);
        return e;
    }
}
