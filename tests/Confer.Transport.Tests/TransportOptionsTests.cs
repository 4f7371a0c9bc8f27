namespace Confer.Transport.Tests;

public sealed class TransportOptionsTests
{
    [Fact]
    public void Defaults_EngineOn_WorkersFromTheCores()
    {
        var options = new TransportOptions();
        Assert.True(options.Engine);
        Assert.Equal(0, options.Workers);
        Assert.Null(options.Validate());
    }

    [Theory]
    [InlineData(1, 0, 1)]    // one core: one worker
    [InlineData(2, 0, 1)]    // one per two cores
    [InlineData(4, 0, 2)]
    [InlineData(8, 0, 4)]
    [InlineData(64, 0, 4)]   // at most four by default
    [InlineData(2, 3, 3)]    // set: as set
    [InlineData(2, 64, 64)]
    public void ResolveWorkers(int processors, int configured, int expected) =>
        Assert.Equal(expected, new TransportOptions { Workers = configured }.ResolveWorkers(processors));

    [Theory]
    [InlineData(-1)]
    [InlineData(65)]
    public void Validate_ImpossibleWorkers_SaysWhatToChange(int workers)
    {
        var problem = new TransportOptions { Workers = workers }.Validate();
        Assert.NotNull(problem);
        Assert.Contains("Transport:Workers", problem);
        Assert.Contains("1 to 64", problem);
    }

    [Fact]
    public void Defaults_ConnectionLimits()
    {
        var options = new TransportOptions();
        Assert.Equal(TimeSpan.FromSeconds(10), options.AuthTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.StallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HandshakeTimeout);
        Assert.Equal(128, options.MaxConnectionsPerSource);
        Assert.Equal(1024 * 1024, options.ClientQueueBytes);
    }

    [Theory]
    [InlineData(0, 0, TransportOptions.DefaultMaxConnections)]   // limit unknown
    [InlineData(0, 1024, 512)]                                    // half the descriptors
    [InlineData(0, 64, 64)]                                       // never below 64
    [InlineData(0, 1_048_576, TransportOptions.DefaultMaxConnections)]
    [InlineData(300, 1024, 300)]                                  // set: as set
    public void ResolveMaxConnections(int configured, long descriptors, int expected) =>
        Assert.Equal(expected, new TransportOptions { MaxConnections = configured }.ResolveMaxConnections(descriptors));

    [Theory]
    [InlineData("AuthTimeout")]
    [InlineData("StallTimeout")]
    [InlineData("IdleTimeout")]
    [InlineData("HandshakeTimeout")]
    public void Validate_ZeroTimeout_SaysWhatToChange(string name)
    {
        var options = new TransportOptions();
        typeof(TransportOptions).GetProperty(name)!.SetValue(options, TimeSpan.Zero);
        var problem = options.Validate();
        Assert.NotNull(problem);
        Assert.Contains($"Transport:{name}", problem);
    }

    [Fact]
    public void Validate_ImpossibleCaps_SayWhatToChange()
    {
        Assert.Contains("Transport:MaxConnectionsPerSource", new TransportOptions { MaxConnectionsPerSource = 0 }.Validate());
        Assert.Contains("Transport:MaxConnections", new TransportOptions { MaxConnections = -1 }.Validate());
        Assert.Contains("Transport:ClientQueueBytes", new TransportOptions { ClientQueueBytes = 1000 }.Validate());
    }
}
