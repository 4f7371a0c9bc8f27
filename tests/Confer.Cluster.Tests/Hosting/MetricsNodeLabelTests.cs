using Confer.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Cluster.Tests.Hosting;

/// <summary>Issue 17 item 6, "metrics carry the node name": in a cluster every series has a <c>node</c> label, the node's own name.</summary>
[Collection("cluster")]
public sealed class MetricsNodeLabelTests(ThreeNodes cluster) : IClassFixture<ThreeNodes>
{
    [Fact]
    public async Task EverySeries_OnEveryNode_CarriesThatNodesName()
    {
        var names = cluster.Nodes.Select(n => n.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (var node in cluster.Nodes)
        {
            var samples = (await ScrapeAsync(node.App)).Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToList();
            Assert.NotEmpty(samples);
            string label = $"node=\"{node.Name}\"";
            Assert.All(samples, l => Assert.Contains(label, l, StringComparison.Ordinal));
            Assert.Contains(samples, l => l.StartsWith("confer_signaling_rooms{", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void NodeName_IsChecked()
    {
        var settings = new ClusterSettings { Redis = "redis://127.0.0.1:6379", NodeName = "eu-1.node:11111" };
        Assert.Null(settings.Validate());
        Assert.Equal("eu-1.node:11111", settings.ResolvedNodeName);
        settings.NodeName = "two words";
        Assert.Equal("--node-name 'two words' must be 1 to 64 letters, digits, '-', '_', '.' or ':'.", settings.Validate());
        settings.NodeName = null;
        Assert.EndsWith(":11111", settings.ResolvedNodeName, StringComparison.Ordinal);
    }

    internal static async Task<string> ScrapeAsync(WebApplication app)
    {
        using var stream = new MemoryStream();
        await app.Services.GetRequiredService<MetricsRegistry>().Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
