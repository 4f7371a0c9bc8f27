using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;
using Confer.Server.Webhooks;

namespace Confer.Server.Cli;

/// <summary>
/// The webhook receivers of <c>confer serve</c>. The rest of the <c>Webhooks</c> section (ApiKey, retries, limits) is
/// bound by <see cref="WebhookOptions"/> itself (<see cref="SettingTable.Sections"/>).
/// </summary>
internal static class WebhookFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.List("Webhooks:Urls", "--webhook", "A URL that receives room events as LiveKit-style signed webhooks (repeatable, or a comma list).", o => o.Webhooks.Urls, AddUrls),
    ];

    private static string? AddUrls(ServerOptions options, string value)
    {
        // One string works too (an environment variable, CONFER_Webhooks__Urls="https://a/x,https://b/y").
        foreach (var url in value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (WebhookOptions.CheckUrl(url, "") is not null)
                return (url == value.Trim() ? "" : $"has '{url}', which ") + "must be an absolute http:// or https:// URL, like https://example.org/hooks/confer";
            if (!options.Webhooks.Urls.Contains(url, StringComparer.Ordinal)) options.Webhooks.Urls.Add(url);
        }
        return null;
    }
}
