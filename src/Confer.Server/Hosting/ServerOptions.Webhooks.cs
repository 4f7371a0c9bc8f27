using Confer.Server.Webhooks;

namespace Confer.Server.Hosting;

public sealed partial class ServerOptions
{
    /// <summary>Webhooks: receiver URLs (<c>--webhook</c>), the signing key (<c>Webhooks:ApiKey</c>), queue and retry limits.</summary>
    public WebhookOptions Webhooks { get; } = new();
}
