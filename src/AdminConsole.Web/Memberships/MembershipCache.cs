using System.Collections.Frozen;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Cluster;
using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Memberships;

/// <summary>
/// Who is in which role and class, held in memory so <c>/pusher/auth</c> costs no database round trip when
/// nothing changed. A school has thousands of users and memberships, not millions: one snapshot of all of them
/// loads in milliseconds and turns a burst of a thousand cold subscriptions into one load instead of a thousand.
/// The snapshot is versioned: <see cref="MembershipChangeInterceptor"/> bumps the version whenever a membership,
/// class, role assignment or user is saved through EF Core, and a short time-to-live catches changes made
/// outside it (ExecuteUpdate, manual SQL). Other instances on the same database hear of a save through the
/// <see cref="ClusterSignal"/> (<see cref="SignalTopic"/>) and drop their snapshot within milliseconds (decision 0015).
/// </summary>
public sealed partial class MembershipCache
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(60);

    /// <summary>The change signal's topic: "a membership, class, role or user was saved; reload".</summary>
    public const string SignalTopic = "memberships";

    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider time;
    private readonly ILogger<MembershipCache> logger;
    private readonly ClusterSignal signal;

    public MembershipCache(IServiceScopeFactory scopes, TimeProvider time, ILogger<MembershipCache> logger, ClusterSignal signal)
    {
        this.scopes = scopes;
        this.time = time;
        this.logger = logger;
        this.signal = signal;
        // Another instance saved a change, or messages may have been missed while the link was down: reload.
        signal.Subscribe(SignalTopic, _ => InvalidateAll(), InvalidateAll);
    }

    /// <summary>
    /// Raised after every invalidation (a save here, a signal from another instance): holders of what the snapshot
    /// granted (the hub's open connections) re-check. Handlers must be quick and must not throw.
    /// </summary>
    public event Action? Invalidated;

    private long _version;
    private MembershipSnapshot? _current;
    private Task<MembershipSnapshot>? _loading;
    private long _loadingVersion = -1;
    private readonly Lock _gate = new();

    /// <summary>The current snapshot; loads it (once, shared by concurrent callers) when it is stale.</summary>
    public ValueTask<MembershipSnapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && current.Version == Volatile.Read(ref _version) && time.GetUtcNow() < current.ExpiresAt)
            return ValueTask.FromResult(current);
        return new ValueTask<MembershipSnapshot>(LoadSharedAsync().WaitAsync(cancellationToken));
    }

    /// <summary>Drop what is known about one user (the whole snapshot reloads: it is cheap and keeps one version).</summary>
    public void Invalidate(string userId) => InvalidateAll();

    /// <summary>Drop everything; the next request reloads.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _version);
        Invalidated?.Invoke();
    }

    /// <summary>A change was committed here: drop the snapshot and tell the other instances to drop theirs.</summary>
    public void ChangeCommitted()
    {
        InvalidateAll();
        _ = signal.PublishAsync(SignalTopic);
    }

    private Task<MembershipSnapshot> LoadSharedAsync()
    {
        lock (_gate)
        {
            var current = _current;
            if (current is not null && current.Version == _version && time.GetUtcNow() < current.ExpiresAt)
                return Task.FromResult(current);
            if (_loading is { IsCompleted: false } inFlight && _loadingVersion == _version)
                return inFlight;
            _loadingVersion = _version;
            return _loading = LoadAsync(_loadingVersion);
        }
    }

    private async Task<MembershipSnapshot> LoadAsync(long version)
    {
        // The version is taken before reading: a change committed while we read bumps it past ours,
        // so this snapshot is used at most until the next request notices.
        await Task.Yield();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var users = await db.Users.AsNoTracking().Select(u => new { u.Id, u.Email, u.DisplayName, u.SecurityStamp }).ToListAsync();
        var roles = await (from ur in db.Set<IdentityUserRole<string>>().AsNoTracking()
                           join r in db.Roles.AsNoTracking() on ur.RoleId equals r.Id
                           select new { ur.UserId, r.Name }).ToListAsync();
        var memberships = await db.ClassMemberships.AsNoTracking().Select(m => new { m.UserId, m.ClassId, m.Role }).ToListAsync();
        var classes = await db.Classes.AsNoTracking().Select(c => new ClassEntry(c.Id, c.Name, c.Archived)).ToListAsync();

        var rolesByUser = roles.Where(r => r.Name is not null).ToLookup(r => r.UserId, r => r.Name!);
        var classesByUser = memberships.ToLookup(m => m.UserId);
        var map = users.ToFrozenDictionary(
            u => u.Id,
            u => new UserAccess(
                u.Id,
                u.Email ?? u.Id,
                string.IsNullOrWhiteSpace(u.DisplayName) ? u.Email ?? u.Id : u.DisplayName,
                rolesByUser[u.Id].ToFrozenSet(StringComparer.Ordinal),
                classesByUser[u.Id].ToFrozenDictionary(m => m.ClassId, m => m.Role),
                u.SecurityStamp),
            StringComparer.Ordinal);

        var snapshot = new MembershipSnapshot(version, time.GetUtcNow() + TimeToLive, map, classes.ToFrozenDictionary(c => c.Id));
        lock (_gate)
        {
            if (_current is null || _current.Version <= version)
                _current = snapshot;
        }
        LogLoaded(logger, map.Count, memberships.Count, classes.Count, version);
        return snapshot;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership snapshot loaded: {Users} users, {Memberships} memberships, {Classes} classes (version {Version}).")]
    private static partial void LogLoaded(ILogger logger, int users, int memberships, int classes, long version);
}

/// <summary>Everyone's roles and class memberships at one version.</summary>
public sealed record MembershipSnapshot(
    long Version,
    DateTimeOffset ExpiresAt,
    FrozenDictionary<string, UserAccess> Users,
    FrozenDictionary<int, ClassEntry> Classes)
{
    public UserAccess? Find(string? userId) => userId is not null && Users.TryGetValue(userId, out var u) ? u : null;

    /// <summary>
    /// Whose a channel is, in people's words: the class of a class channel ("Physics 7A"), the person of a user
    /// channel ("Sam Student"); null for other channels and for ids nobody has (a deleted class or account).
    /// </summary>
    public string? Describe(string channel)
    {
        if (ChannelNames.TryParseClass(channel, out var classId))
            return Classes.TryGetValue(classId, out var c) ? (c.Archived ? c.Name + " (archived)" : c.Name) : null;
        return ChannelNames.TryParseUser(channel, out var userId) ? Find(userId)?.DisplayName : null;
    }
}

/// <summary>A user as channel authorization sees them.</summary>
public sealed record UserAccess(
    string Id,
    string Email,
    string DisplayName,
    FrozenSet<string> Roles,
    FrozenDictionary<int, ClassRole> Classes,
    string? SecurityStamp)
{
    public bool IsAdmin => Roles.Contains(Shared.Roles.Admin);

    /// <summary>The role shown to other presence members: the most privileged one the user has.</summary>
    public string PrimaryRole => Shared.Roles.All.OrderBy(RoleRank).FirstOrDefault(Roles.Contains) ?? "None";

    private static int RoleRank(string role) => role switch
    {
        Shared.Roles.Admin => 0,
        Shared.Roles.Teacher => 1,
        Shared.Roles.Auditor => 2,
        _ => 3,
    };
}

public sealed record ClassEntry(int Id, string Name, bool Archived);
