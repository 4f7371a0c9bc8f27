using Confer.Sfu.Ice;
using Confer.Stun;
using Confer.Stun.Attributes;
using Microsoft.Extensions.Time.Testing;
using static Confer.Sfu.Tests.Ice.IceTest;

namespace Confer.Sfu.Tests.Ice;

public sealed class IceCheckHandlerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingListener _listener = new();
    private readonly IceSessionTable _table;
    private readonly IceCheckHandler _handler;
    private readonly CapturingSink _sink = new();
    private readonly IceSession _session;

    public IceCheckHandlerTests()
    {
        _table = new IceSessionTable(new IceOptions(), _time, _listener);
        _handler = new IceCheckHandler(_table);
        Assert.True(_table.TryCreate("cLnT", out _session));
    }

    public void Dispose() => _table.Dispose();

    private string Username => $"{_session.LocalUfrag}:cLnT";
    private string Password => _session.Local.Password;

    [Fact]
    public void Handle_ChromeCheckRightPassword_SuccessWithXorMappedIntegrityFingerprint()
    {
        var request = ChromeCheck(Username, Password);
        var client = Client(50001);

        Assert.Equal(IceCheckResult.Success, _handler.Handle(request, Context(_sink, client)));

        Assert.Equal(1, _sink.Count);
        var response = Read(_sink.Last, Password, IdOf(request));
        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.True(response.Integrity);
        Assert.True(response.Fingerprint);
        Assert.Equal(client, response.Mapped);
        Assert.True(_table.TryGetPath(Context(_sink, client).Tuple, out var path));
        Assert.Same(_session, path.Session);
        Assert.Null(_session.Selected);
        Assert.Empty(_listener.Selected);
    }

    [Fact]
    public void Handle_IPv6Client_XorMappedAddressIsTheClients()
    {
        var client = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("2001:db8::42"), 61000);
        var request = ChromeCheck(Username, Password);
        Assert.Equal(IceCheckResult.Success, _handler.Handle(request, Context(_sink, client)));
        Assert.Equal(client, Read(_sink.Last, Password, IdOf(request)).Mapped);
    }

    [Fact]
    public void Handle_UseCandidate_NominatesAndTellsListenerOnce()
    {
        var client = Client(50002);
        Assert.Equal(IceCheckResult.Nominated, _handler.Handle(ChromeCheck(Username, Password, useCandidate: true), Context(_sink, client)));
        Assert.Equal(IceCheckResult.Nominated, _handler.Handle(ChromeCheck(Username, Password, useCandidate: true), Context(_sink, client)));

        var selected = Assert.Single(_listener.Selected);
        Assert.Same(_session, selected.Session);
        Assert.Same(selected.Path, _session.Selected);
        Assert.Equal(client.Port, selected.Path.Tuple.Client.Port);
        Assert.True(selected.Path.IsSelected);
    }

    [Fact]
    public void Handle_NominationMovesToAnotherPath_ListenerToldAgain()
    {
        _handler.Handle(ChromeCheck(Username, Password, useCandidate: true), Context(_sink, Client(50003)));
        _handler.Handle(ChromeCheck(Username, Password, useCandidate: true), Context(_sink, Client(50004)));

        Assert.Equal(2, _listener.Selected.Count);
        Assert.Equal(50004, _session.Selected!.Tuple.Client.Port);
        Assert.Equal(2, _session.PathCount);
    }

    [Fact]
    public void Handle_WrongPassword_401WithoutIntegrityAndNoPath()
    {
        var request = ChromeCheck(Username, "WrongPasswordWrongPassword");
        Assert.Equal(IceCheckResult.Unauthenticated, _handler.Handle(request, Context(_sink, Client())));

        var response = Read(_sink.Last, Password, IdOf(request));
        Assert.Equal((StunClass.ErrorResponse, ErrorCode.Unauthenticated, false, true), (response.Class, response.Code, response.Integrity, response.Fingerprint));
        Assert.Equal(0, _table.PathCount);
    }

    [Fact]
    public void Handle_WrongRemoteUfrag_401()
    {
        var request = ChromeCheck($"{_session.LocalUfrag}:other", Password);
        Assert.Equal(IceCheckResult.Unauthenticated, _handler.Handle(request, Context(_sink, Client())));
        Assert.Equal(ErrorCode.Unauthenticated, Read(_sink.Last, Password, IdOf(request)).Code);
    }

    [Fact]
    public void Handle_RemoteUfragNotYetKnown_AnyRemotePartAccepted()
    {
        Assert.True(_table.TryCreate(null, out var early));
        var request = ChromeCheck($"{early.LocalUfrag}:whatever", early.Local.Password);
        Assert.Equal(IceCheckResult.Success, _handler.Handle(request, Context(_sink, Client())));
    }

    [Fact]
    public void Handle_NoColonInUsername_401()
    {
        var request = ChromeCheck(_session.LocalUfrag, Password);
        Assert.Equal(IceCheckResult.Unauthenticated, _handler.Handle(request, Context(_sink, Client())));
    }

    [Fact]
    public void Handle_NoMessageIntegrity_400()
    {
        var request = ChromeCheck(Username, Password, integrity: false);
        Assert.Equal(IceCheckResult.BadRequest, _handler.Handle(request, Context(_sink, Client())));
        var response = Read(_sink.Last, Password, IdOf(request));
        Assert.Equal((StunClass.ErrorResponse, ErrorCode.BadRequest, false), (response.Class, response.Code, response.Integrity));
    }

    [Fact]
    public void Handle_MissingFingerprint_DroppedSilently()
    {
        Assert.Equal(IceCheckResult.Dropped, _handler.Handle(ChromeCheck(Username, Password, fingerprint: false), Context(_sink, Client())));
        Assert.Equal(0, _sink.Count);
        Assert.Equal(0, _table.PathCount);
    }

    [Fact]
    public void Handle_BadFingerprint_DroppedSilently()
    {
        var request = ChromeCheck(Username, Password);
        request[^1] ^= 1;
        Assert.Equal(IceCheckResult.Dropped, _handler.Handle(request, Context(_sink, Client())));
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public void Handle_UnknownUfrag_NotIceAndNothingSent()
    {
        Assert.Equal(IceCheckResult.NotIce, _handler.Handle(ChromeCheck("nobody:cLnT", Password), Context(_sink, Client())));
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public void Handle_PlainStunBindingWithoutUsername_NotIce()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.New());
        writer.AddFingerprint();
        Assert.Equal(IceCheckResult.NotIce, _handler.Handle(buffer.AsSpan(0, writer.Length), Context(_sink, Client())));
        Assert.Equal(0, _sink.Count);
    }

    [Fact]
    public void Handle_ClientClaimsControlledToo_487SignedAndNoNomination()
    {
        var request = ChromeCheck(Username, Password, controlling: false, controlled: true, useCandidate: true);
        Assert.Equal(IceCheckResult.RoleConflict, _handler.Handle(request, Context(_sink, Client())));

        var response = Read(_sink.Last, Password, IdOf(request));
        Assert.Equal((StunClass.ErrorResponse, ErrorCode.RoleConflict, true, true), (response.Class, response.Code, response.Integrity, response.Fingerprint));
        Assert.Null(_session.Selected);
        Assert.Equal(0, _table.PathCount);
    }

    [Fact]
    public void Handle_BothRoleAttributes_400Signed()
    {
        var request = ChromeCheck(Username, Password, controlling: true, controlled: true);
        Assert.Equal(IceCheckResult.BadRequest, _handler.Handle(request, Context(_sink, Client())));
        var response = Read(_sink.Last, Password, IdOf(request));
        Assert.Equal((ErrorCode.BadRequest, true), (response.Code, response.Integrity));
    }

    [Fact]
    public void Handle_NoRoleAttribute_AnsweredAsControlling()
    {
        var request = ChromeCheck(Username, Password, controlling: false, useCandidate: true);
        Assert.Equal(IceCheckResult.Nominated, _handler.Handle(request, Context(_sink, Client())));
    }

    [Fact]
    public void Handle_Rfc5769SampleRequest_AuthenticatesThen487ForIceControlled()
    {
        // RFC 5769 §2.1: the MAC verifies with the RFC's password only if our MESSAGE-INTEGRITY check is right byte for
        // byte; the request carries ICE-CONTROLLED, which a lite (controlled) agent answers with 487.
        Assert.True(_table.TryAdd(new IceCredentials("evtj", "VOkJxbRl1RmTxUk/WvJxBt"), "h6vY", out _));
        Assert.Equal(IceCheckResult.RoleConflict, _handler.Handle(Rfc5769Request, Context(_sink, Client())));
        var response = Read(_sink.Last, "VOkJxbRl1RmTxUk/WvJxBt", IdOf(Rfc5769Request));
        Assert.True(response.Integrity);
        Assert.Equal(ErrorCode.RoleConflict, response.Code);
    }

    [Fact]
    public void Handle_Rfc5769SampleRequestWrongPassword_401()
    {
        Assert.True(_table.TryAdd(new IceCredentials("evtj", "VOkJxbRl1RmTxUk/WvJxBX"), "h6vY", out _));
        Assert.Equal(IceCheckResult.Unauthenticated, _handler.Handle(Rfc5769Request, Context(_sink, Client())));
    }

    [Fact]
    public void Handle_UnknownComprehensionRequiredAttribute_420ListsIt()
    {
        var request = ChromeCheck(Username, Password, extraType: 0x7F01);
        Assert.Equal(IceCheckResult.UnknownAttribute, _handler.Handle(request, Context(_sink, Client())));
        Assert.True(StunMessage.TryRead(_sink.Last, out var response, out _));
        Assert.True(response.TryGetAttribute(StunAttributeType.UnknownAttributes, out var unknown));
        Assert.Equal(new byte[] { 0x7F, 0x01 }, unknown.ToArray());
        Assert.Equal(ErrorCode.UnknownAttribute, Read(_sink.Last, Password, IdOf(request)).Code);
    }

    [Fact]
    public void Handle_Framed_ResponseHasRfc4571Length()
    {
        var request = ChromeCheck(Username, Password);
        var sink = new CapturingSink(ClientTransport.Tcp);
        Assert.Equal(IceCheckResult.Success, _handler.Handle(request, Context(sink, Client()), framed: true));
        Assert.Equal(sink.LastLength - 2, sink.Last[0] << 8 | sink.Last[1]);
        Assert.Equal(StunClass.SuccessResponse, Read(sink.Last[2..], Password, IdOf(request)).Class);
    }

    [Fact]
    public void Handle_SessionRemoved_NotIce()
    {
        Assert.True(_table.Remove(_session));
        Assert.Equal(IceCheckResult.NotIce, _handler.Handle(ChromeCheck(Username, Password), Context(_sink, Client())));
    }

    [Fact]
    public void Handle_ValidCheck_AllocatesNothingOnAKnownPath()
    {
        var request = ChromeCheck(Username, Password, useCandidate: true);
        var context = Context(_sink, Client(50010));
        for (int i = 0; i < 200; i++) Assert.Equal(IceCheckResult.Nominated, _handler.Handle(request, context));

        long before = GC.GetAllocatedBytesForCurrentThread();
        int ok = 0;
        for (int i = 0; i < 1_000; i++) if (_handler.Handle(request, context) == IceCheckResult.Nominated) ok++;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1_000, ok);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Handle_UnknownUfragAndErrors_AllocateNothing()
    {
        var unknown = ChromeCheck("nobody:cLnT", Password);
        var wrong = ChromeCheck(Username, "WrongPasswordWrongPassword");
        var context = Context(_sink, Client(50011));
        for (int i = 0; i < 200; i++) { _handler.Handle(unknown, context); _handler.Handle(wrong, context); }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++) { _handler.Handle(unknown, context); _handler.Handle(wrong, context); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
