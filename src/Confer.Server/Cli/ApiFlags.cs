using System.CommandLine;
using System.Net.Http.Headers;
using Confer.Signaling.Auth;

namespace Confer.Server.Cli;

/// <summary>The flags every server-API verb shares: <c>--url</c>, <c>--api-key</c>, <c>--api-secret</c>.</summary>
internal sealed class ApiFlags(bool withUrl = true)
{
    private readonly Option<string> _url = new("--url") { Description = "Confer server URL.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONFER_URL") ?? "http://127.0.0.1:7880" };
    private readonly Option<string?> _key = new("--api-key") { Description = "API key (or CONFER_API_KEY)." };
    private readonly Option<string?> _secret = new("--api-secret") { Description = "API secret (or CONFER_API_SECRET)." };

    public void AddTo(Command command)
    {
        if (withUrl) command.Options.Add(_url);
        command.Options.Add(_key);
        command.Options.Add(_secret);
    }

    public (string Key, string Secret)? Credentials(ParseResult parse)
    {
        var key = parse.GetValue(_key) ?? Environment.GetEnvironmentVariable("CONFER_API_KEY");
        var secret = parse.GetValue(_secret) ?? Environment.GetEnvironmentVariable("CONFER_API_SECRET");
        return string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret) ? null : (key, secret);
    }

    /// <summary>An HTTP client for the server API with a one-minute bearer token carrying <paramref name="grant"/>.</summary>
    public HttpClient? Client(ParseResult parse, VideoGrant grant)
    {
        if (Credentials(parse) is not var (key, secret)) return null;
        var http = new HttpClient { BaseAddress = new Uri(parse.GetValue(_url)!), Timeout = TimeSpan.FromSeconds(15) };
        var token = AccessTokenBuilder.Create(key, secret, null, grant, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Sends a request and prints the answer: the body on success, the error on failure.</summary>
    public static async Task<int> SendAsync(HttpClient? http, HttpMethod method, string path, string? json, CancellationToken ct)
    {
        if (http is null) return await TokenCommand.Fail("--api-key and --api-secret are required (or CONFER_API_KEY/CONFER_API_SECRET).");
        using (http)
        {
            using var request = new HttpRequestMessage(method, path);
            if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            HttpResponseMessage response;
            try { response = await http.SendAsync(request, ct); }
            catch (HttpRequestException e) { return await TokenCommand.Fail($"cannot reach {http.BaseAddress}: {e.Message}"); }
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) return await TokenCommand.Fail($"{(int)response.StatusCode} {body.Trim()}");
            if (body.Length > 0) Console.WriteLine(body);
            return 0;
        }
    }
}
