using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Transport.Streams;

/// <summary>
/// The <see cref="StreamConnectionGuard"/> at a Kestrel listener's door: put before <c>UseHttps</c>, it counts each
/// connection in (or closes it at once, over a cap) before the TLS handshake, so the handshake's time is watched too;
/// the <see cref="StreamConnectionHandler"/> finds the connection's <see cref="GuardedConnection"/> among its features.
/// </summary>
public static class StreamConnectionGuardMiddleware
{
    /// <summary>Guards the listener's connections with the application's <see cref="StreamConnectionGuard"/> (none registered: nothing).</summary>
    public static ListenOptions UseStreamConnectionGuard(this ListenOptions listen, bool tls)
    {
        listen.Use(next =>
        {
            var guard = listen.ApplicationServices.GetService<StreamConnectionGuard>();
            if (guard is null) return next;
            return async connection =>
            {
                if (connection.RemoteEndPoint is not IPEndPoint remote)
                {
                    await next(connection).ConfigureAwait(false);
                    return;
                }
                var guarded = guard.TryAdmit(remote, tls);
                if (guarded is null)
                {
                    connection.Abort(new ConnectionAbortedException("Too many connections."));
                    return;
                }
                guarded.Bind(() => connection.Abort(new ConnectionAbortedException("Closed by the connection guard.")));
                connection.Features.Set(guarded);
                try
                {
                    await next(connection).ConfigureAwait(false);
                }
                finally
                {
                    guarded.Dispose();
                }
            };
        });
        return listen;
    }
}
