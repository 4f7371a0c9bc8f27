using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Confer.Cluster.Membership;

/// <summary>
/// Keeps the cluster whole when Redis loses the membership table (a restart without its data, docs/scale-out.md
/// "Redis in trouble"). Every <see cref="ClusterSettings.MembershipCheck"/> an active node reads the table and keeps a
/// copy of its rows. The table is lost when its version row is gone, when its version is below the one this node
/// already saw (Redis came back with older data, or a node that started meanwhile made a table of its own), or when this
/// node's own row is missing. Then the node puts its copy back in one atomic step, without overwriting anything:
/// every row it knew that is missing is added (an active node's I-am-alive time set to now), the rows already there
/// stay, and the version becomes higher than any this node or the table had. One step matters: Orleans stops a node
/// that reads a newer table without its own row, so rows must not come back one by one. Every node does the same when
/// it notices, so the first one's table is joined, not overwritten, by the others; a node that started in an empty
/// Redis finds the old members in its table and joins them. Then the node asks Orleans to read the table again.
/// <para>
/// The rows are copied as Redis holds them (Orleans' Redis provider writes one hash field per node, plus
/// <c>Version</c>); Orleans' <c>IMembershipTable</c> can only add one row per version step and cannot raise the version,
/// so the restore cannot be done through it.
/// </para>
/// </summary>
internal sealed partial class MembershipKeeper(ClusterSettings settings, IOptions<ClusterOptions> cluster, IClusterMembershipService membership,
    ILocalSiloDetails silo, IGrainFactory grains, TimeProvider time, ILogger<MembershipKeeper> log) : BackgroundService
{
    private const string VersionField = "Version";

    // KEYS[1] the table; ARGV[1] the lowest version the table may have, ARGV[2] this node's field, ARGV[3] now as a JSON
    // string, then field and row pairs. Returns {0, 0, version} when the table needs nothing (another node put it back),
    // else {1, rows added, new version, fields of rows that were there and this node did not know...}.
    private const string RestoreScript =
        """
        local key = KEYS[1]
        local floor = tonumber(ARGV[1])
        local v = redis.call('HGET', key, 'Version')
        if v and tonumber(v) >= floor and redis.call('HEXISTS', key, ARGV[2]) == 1 then
            return {0, 0, tonumber(v)}
        end
        local known = {}
        for i = 4, #ARGV, 2 do known[ARGV[i]] = true end
        local reply = {1, 0, 0}
        for _, f in ipairs(redis.call('HKEYS', key)) do
            if f ~= 'Version' and not known[f] then table.insert(reply, f) end
        end
        for i = 4, #ARGV, 2 do
            local row = ARGV[i + 1]
            if string.find(row, '"Status":3', 1, true) then
                local first, last = string.find(row, '"IAmAliveTime":"[^"]*"')
                if first then row = string.sub(row, 1, first - 1) .. '"IAmAliveTime":' .. ARGV[3] .. string.sub(row, last + 1) end
            end
            reply[2] = reply[2] + redis.call('HSETNX', key, ARGV[i], row)
        end
        local next = floor + 1
        if v and tonumber(v) + 1 > next then next = tonumber(v) + 1 end
        redis.call('HSET', key, 'Version', string.format('%d', next))
        reply[3] = next
        return reply
        """;

    private readonly RedisKey _key = Encoding.UTF8.GetBytes($"{cluster.Value.ServiceId}/members/{cluster.Value.ClusterId}");
    private readonly string _mine = silo.SiloAddress.ToString();
    private HashEntry[] _copy = [];
    private long _copyVersion = -1;
    private bool _recovering;

    /// <summary>While true (tests only: they stage a node set formed without the others) this node neither copies nor restores.</summary>
    internal bool Paused { get; set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ClusterSettings.TryParseRedis(settings.Redis!, out var options);
        options.ClientName = "confer-membership-keeper";
        ConnectionMultiplexer redis;
        try
        {
            // Does not fail while Redis is away (AbortOnConnectFail is off): it connects when Redis comes.
            redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        await using var _ = redis.ConfigureAwait(false);
        var db = redis.GetDatabase();
        using var timer = new PeriodicTimer(settings.MembershipCheck, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await CheckAsync(db, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is RedisException or TimeoutException or OrleansException)
                {
                    _recovering = true;
                    LogCheckFailed(log, e.Message); // Redis away: Orleans says so too; the next tick tries again
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(IDatabase db, CancellationToken ct)
    {
        if (Paused) return;
        var seen = membership.CurrentSnapshot;
        // Only an active member keeps the table: a node that joins or leaves lets Orleans do it.
        if (seen.GetSiloStatus(silo.SiloAddress) != SiloStatus.Active) return;
        var all = await db.HashGetAllAsync(_key).WaitAsync(settings.CallTimeout, ct).ConfigureAwait(false);
        long? version = null;
        var mine = false;
        foreach (var e in all)
        {
            if (e.Name == VersionField) version = long.TryParse(e.Value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
            else if (e.Name == _mine) mine = true;
        }
        var floor = Math.Max(seen.Version.Value, _copyVersion);
        if (version is { } current && current >= floor && mine)
        {
            _copy = [.. all.Where(e => e.Name != VersionField)];
            _copyVersion = current;
            if (_recovering)
            {
                // Redis is back (or another node put the table back): Orleans may be backing off from its failed reads.
                _recovering = false;
                if (current > seen.Version.Value) await RefreshAsync(current, ct).ConfigureAwait(false);
            }
            return;
        }
        if (_copy.Length == 0)
        {
            LogNoCopy(log);
            return;
        }
        var why = version is null ? "its version row is gone" : !mine ? "this node's row is gone" : $"its version {version} is below {floor}";
        var args = new List<RedisValue>(3 + 2 * _copy.Length)
        {
            floor, _mine, "\"" + time.GetUtcNow().UtcDateTime.ToString("o", CultureInfo.InvariantCulture) + "\"",
        };
        foreach (var row in _copy)
        {
            args.Add(row.Name);
            args.Add(row.Value);
        }
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(RestoreScript, [_key], [.. args]).WaitAsync(settings.CallTimeout, ct).ConfigureAwait(false))!;
        var next = (long)reply[2];
        if ((int)reply[0] == 0)
        {
            _recovering = true;
            LogPutBackByOther(log, next);
            return;
        }
        LogRestored(log, why, (int)reply[1], _copy.Length, next);
        var foreign = reply.Skip(3).Select(r => r.ToString()).ToHashSet(StringComparer.Ordinal);
        if (foreign.Count > 0) LogMerged(log, foreign.Count, string.Join(", ", foreign));
        var known = _copy.Select(e => e.Name.ToString()).ToHashSet(StringComparer.Ordinal);
        _copyVersion = next;
        if (await RefreshAsync(next, ct).ConfigureAwait(false) && foreign.Count > 0) await SettleRoomsAsync(known, foreign, ct).ConfigureAwait(false);
    }

    /// <summary>Has Orleans read the table now instead of after its back-off from the failed reads; false when it did not within the call timeout.</summary>
    private async Task<bool> RefreshAsync(long version, CancellationToken ct)
    {
        try
        {
            await membership.Refresh(new MembershipVersion(version)).AsTask().WaitAsync(settings.CallTimeout, ct).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Two node sets became one: the nodes that were in the cluster before the table was lost (<paramref name="known"/>)
    /// keep their rooms; a node that started meanwhile (<paramref name="foreign"/>) and made the same room gives its copy
    /// up, so its participants join again and land in the kept one. Only the node that merged the tables does this.
    /// </summary>
    private async Task SettleRoomsAsync(HashSet<string> known, HashSet<string> foreign, CancellationToken ct)
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).ToList();
        var old = active.Where(m => known.Contains(m.SiloAddress.ToString())).ToList();
        foreach (var newcomer in active.Where(m => foreign.Contains(m.SiloAddress.ToString())))
        {
            try
            {
                var node = grains.GetGrain<Nodes.INodeGrain>(newcomer.SiloAddress.ToParsableString());
                foreach (var room in await node.RoomsAsync().WaitAsync(settings.CallTimeout, ct).ConfigureAwait(false))
                    foreach (var keeper in old)
                    {
                        if (!await grains.GetGrain<Nodes.INodeGrain>(keeper.SiloAddress.ToParsableString()).HoldsAsync(room)
                                .WaitAsync(settings.CallTimeout, ct).ConfigureAwait(false)) continue;
                        var holder = new Rooms.RoomHost(keeper.Name, keeper.SiloAddress.ToParsableString(), time.GetUtcNow());
                        if (await node.GiveUpAsync(room, holder).WaitAsync(settings.CallTimeout, ct).ConfigureAwait(false))
                            LogSettled(log, room, newcomer.Name, keeper.Name);
                        break;
                    }
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
            {
                LogSettleFailed(log, newcomer.Name, e.Message);
            }
        }
    }

    [LoggerMessage(EventId = 2150, Level = LogLevel.Warning,
        Message = "The cluster's membership table in Redis was lost ({Why}; did Redis restart without its data?): this node put back {Added} of the {Rows} rows it had copied, at version {Version}")]
    private static partial void LogRestored(ILogger log, string why, int added, int rows, long version);

    [LoggerMessage(EventId = 2151, Level = LogLevel.Warning,
        Message = "The membership table put back also holds {Count} nodes this node did not know (they started while the table was gone); the two sets of nodes are now one cluster: {Fields}")]
    private static partial void LogMerged(ILogger log, int count, string fields);

    [LoggerMessage(EventId = 2156, Level = LogLevel.Warning, Message = "Room {Room} was on node {Newcomer} and on node {Keeper}: it stays on {Keeper}")]
    private static partial void LogSettled(ILogger log, string room, string newcomer, string keeper);

    [LoggerMessage(EventId = 2157, Level = LogLevel.Warning, Message = "Could not compare the rooms of node {Node} after the merge: {Reason}")]
    private static partial void LogSettleFailed(ILogger log, string node, string reason);

    [LoggerMessage(EventId = 2152, Level = LogLevel.Information, Message = "The cluster's membership table was lost and another node already put it back (version {Version})")]
    private static partial void LogPutBackByOther(ILogger log, long version);

    [LoggerMessage(EventId = 2153, Level = LogLevel.Warning, Message = "The cluster's membership table in Redis is lost, and this node has no copy of it yet to put back")]
    private static partial void LogNoCopy(ILogger log);

    [LoggerMessage(EventId = 2154, Level = LogLevel.Debug, Message = "Could not read the membership table: {Reason}")]
    private static partial void LogCheckFailed(ILogger log, string reason);
}
