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
}
