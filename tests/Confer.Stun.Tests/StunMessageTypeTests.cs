namespace Confer.Stun.Tests;

public sealed class StunMessageTypeTests
{
    [Theory]
    [InlineData(StunMethod.Binding, StunClass.Request, 0x0001)]
    [InlineData(StunMethod.Binding, StunClass.Indication, 0x0011)]
    [InlineData(StunMethod.Binding, StunClass.SuccessResponse, 0x0101)]
    [InlineData(StunMethod.Binding, StunClass.ErrorResponse, 0x0111)]
    [InlineData(StunMethod.Allocate, StunClass.Request, 0x0003)]
    [InlineData(StunMethod.Allocate, StunClass.SuccessResponse, 0x0103)]
    [InlineData(StunMethod.Allocate, StunClass.ErrorResponse, 0x0113)]
    [InlineData(StunMethod.Refresh, StunClass.Request, 0x0004)]
    [InlineData(StunMethod.Refresh, StunClass.SuccessResponse, 0x0104)]
    [InlineData(StunMethod.Send, StunClass.Indication, 0x0016)]
    [InlineData(StunMethod.Data, StunClass.Indication, 0x0017)]
    [InlineData(StunMethod.CreatePermission, StunClass.Request, 0x0008)]
    [InlineData(StunMethod.CreatePermission, StunClass.SuccessResponse, 0x0108)]
    [InlineData(StunMethod.ChannelBind, StunClass.Request, 0x0009)]
    [InlineData(StunMethod.ChannelBind, StunClass.SuccessResponse, 0x0109)]
    [InlineData(StunMethod.ChannelBind, StunClass.ErrorResponse, 0x0119)]
    [InlineData(StunMethod.Connect, StunClass.Request, 0x000A)]
    [InlineData(StunMethod.ConnectionBind, StunClass.Request, 0x000B)]
    [InlineData(StunMethod.ConnectionAttempt, StunClass.Indication, 0x001C)]
    [InlineData((StunMethod)0x0FFF, StunClass.ErrorResponse, 0x3FFF)]
    [InlineData((StunMethod)0x0080, StunClass.Request, 0x0200)]
    [InlineData((StunMethod)0x0010, StunClass.Request, 0x0020)]
    public void ToWireAndFromWire_MatchTable(StunMethod method, StunClass @class, int wire)
    {
        var type = new StunMessageType(method, @class);
        Assert.Equal((ushort)wire, type.ToWire());
        Assert.Equal(type, StunMessageType.FromWire((ushort)wire));
    }

    [Fact]
    public void FromWire_EveryFourteenBitValue_RoundTrips()
    {
        for (int wire = 0; wire < 0x4000; wire++)
            Assert.Equal((ushort)wire, StunMessageType.FromWire((ushort)wire).ToWire());
    }

    [Fact]
    public void WithClass_KeepsMethod()
    {
        var response = new StunMessageType(StunMethod.Allocate, StunClass.Request).WithClass(StunClass.ErrorResponse);
        Assert.Equal(0x0113, response.ToWire());
    }
}
