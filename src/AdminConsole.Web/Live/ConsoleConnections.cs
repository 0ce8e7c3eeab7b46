using System.Collections.Concurrent;
using System.Security.Claims;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Security;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Live;

/// <summary>
/// The open <c>/hubs/console</c> connections and what each was allowed when it opened. A connection is authorized
/// once, at its start; without this it would keep its groups after its user's session ended, their account was
/// locked, their roles changed or they left a class. So a connection closes at once when its session ends, and is
/// re-checked on the cookie's clock and interval (<see cref="SecurityStampValidatorOptions"/>, a minute): it closes when
/// its user's security stamp changed or the groups it would be given now differ from those it has, and at once whenever
/// the membership snapshot is invalidated (a save here, or on another instance through the change signal). The client
/// reconnects, and the new connection is authorized afresh, or refused.
/// </summary>
public sealed class ConsoleConnections(
    SessionStore sessions,
    MembershipCache memberships,
    IOptions<SecurityStampValidatorOptions> stampCheck,
    IOptions<IdentityOptions> identity,
    ILogger<ConsoleConnections> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, Open> _open = new(StringComparer.Ordinal);
    private ITimer? _timer;
    // 0 idle, 1 running, 2 running and asked again: a burst of invalidations costs one re-check after the current one.
    private int _recheck;

    /// <summary>The groups a user is given: everyone's, then all activity or their classes'. Empty: no console access.</summary>
    public static IReadOnlyList<string> GroupsOf(UserAccess? user, MembershipSnapshot snapshot)
    {
        if (user is null || !user.Roles.Overlaps([Roles.Admin, Roles.Teacher, Roles.Auditor]))
            return [];
        if (user.Roles.Contains(Roles.Admin) || user.Roles.Contains(Roles.Auditor))
            return [ConsoleGroups.Everyone, ConsoleGroups.AllActivity];
        return
        [
            ConsoleGroups.Everyone,
            .. user.Classes
                .Where(c => c.Value == ClassRole.Teacher && snapshot.Classes.TryGetValue(c.Key, out var k) && !k.Archived)
                .Select(c => c.Key).Order().Select(ConsoleGroups.Class),
        ];
    }

    public int Count => _open.Count;

    /// <summary>The connections to this instance that are in <paramref name="group"/> (other instances' are theirs to know).</summary>
    public IReadOnlyList<string> InGroup(string group) =>
        [.. _open.Values.Where(o => o.Groups.Split(' ').Contains(group, StringComparer.Ordinal)).Select(o => o.Context.ConnectionId)];

    public void Opened(HubCallerContext context, IReadOnlyList<string> groups)
    {
        var user = context.User!;
        var claims = identity.Value.ClaimsIdentity;
        _open[context.ConnectionId] = new Open(context, user.FindFirstValue(claims.UserIdClaimType) ?? "",
            user.FindFirstValue(SessionStore.SessionClaim), user.FindFirstValue(claims.SecurityStampClaimType), string.Join(' ', groups));
    }

    public void Closed(string connectionId) => _open.TryRemove(connectionId, out _);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        sessions.Ended += OnSessionEnded;
        memberships.Invalidated += OnMembershipsInvalidated;
        var interval = stampCheck.Value.ValidationInterval;
        if (interval > TimeSpan.Zero)
            _timer = (stampCheck.Value.TimeProvider ?? TimeProvider.System).CreateTimer(_ => _ = RecheckAsync(), null, interval, interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        sessions.Ended -= OnSessionEnded;
        memberships.Invalidated -= OnMembershipsInvalidated;
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Closes every connection whose user may no longer have what it was given.</summary>
    public async Task RecheckAsync()
    {
        try
        {
            var snapshot = await memberships.GetAsync();
            foreach (var open in _open.Values)
            {
                var user = snapshot.Find(open.UserId);
                var current = user is not null
                    && string.Equals(user.SecurityStamp, open.Stamp, StringComparison.Ordinal)
                    && (open.Session is null || sessions.IsActive(open.Session))
                    && string.Join(' ', GroupsOf(user, snapshot)) == open.Groups;
                if (!current)
                    Close(open, "its user's access changed");
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Re-checking the open console connections failed; the next check retries.");
        }
    }

    private void OnMembershipsInvalidated()
    {
        if (_open.IsEmpty || Interlocked.Increment(ref _recheck) > 1)
            return;
        _ = Task.Run(async () =>
        {
            do
            {
                Volatile.Write(ref _recheck, 1);
                await RecheckAsync();
            }
            while (Interlocked.CompareExchange(ref _recheck, 0, 1) != 1);
        });
    }

    private void OnSessionEnded(string session, string userId)
    {
        foreach (var open in _open.Values)
            if (open.Session == session)
                Close(open, "its session ended");
    }

    private void Close(Open open, string why)
    {
        if (!_open.TryRemove(open.Context.ConnectionId, out _))
            return;
        logger.LogInformation("Closing console connection {Connection} of user {User}: {Why}.", open.Context.ConnectionId, open.UserId, why);
        open.Context.Abort();
    }

    private sealed record Open(HubCallerContext Context, string UserId, string? Session, string? Stamp, string Groups);
}
