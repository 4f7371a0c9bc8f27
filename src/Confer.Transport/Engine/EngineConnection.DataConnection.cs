namespace Confer.Transport.Engine;

/// <summary>
/// The way out of the engine for a TCP connection a handler takes over (TURN: ConnectionBind, RFC 6062 §5.4): from then
/// on it is a raw byte pipe run by <see cref="IStreamTakeover"/> off the worker, no longer framed or read by epoll.
/// </summary>
internal sealed partial class EngineConnection
{
    /// <summary>
    /// A handler took the connection over (TURN: ConnectionBind, RFC 6062 §5.4): it leaves the engine and carries raw
    /// bytes both ways; what is still queued for the client (the success response) and what the client already sent go first.
    /// </summary>
    private void BecomeDataConnection(IStreamTakeover peer, byte[] fromClient)
    {
        byte[] toClient;
        lock (_gate)
        {
            _closed = true;
            toClient = _out.AsSpan(_outStart, _outEnd - _outStart).ToArray();
            _out = [];
            _outStart = _outEnd = 0;
        }
        _engine.RemoveConnection(this);
        ReleasePartial();
        Socket.SafeHandle.DangerousRelease();
        _guarded?.Detach();
        _ = RunDataConnectionAsync(peer, toClient, fromClient);
    }

    private async Task RunDataConnectionAsync(IStreamTakeover peer, byte[] toClient, byte[] fromClient)
    {
        try
        {
            await Task.Yield(); // off the worker thread
            await peer.RunAsync(Socket, toClient, fromClient).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.FrameFailed(_logger, Tuple, e);
        }
        finally
        {
            Socket.Dispose();
            _guarded?.Dispose();
            try
            {
                _handler.OnConnectionClosed(Tuple);
            }
            catch (Exception e)
            {
                Log.FrameFailed(_logger, Tuple, e);
            }
            Log.Disconnected(_logger, Tuple);
            _done.TrySetResult();
        }
    }
}
