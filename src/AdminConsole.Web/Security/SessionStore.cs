using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using AdminConsole.Web.Cluster;
using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Security;

/// <summary>
/// Server-side sessions for the sign-in cookie (<see cref="ITicketStore"/>): the cookie names a session, the ticket
/// is kept here, so a session ends for every copy of its cookie the moment it is removed (decision 0011).
/// The table is read once, at the first request; from then on memory is authoritative and every request's check is a
/// dictionary lookup, because <c>/pusher/auth</c> runs it thousands of times a second. The database is written on
/// sign-in, renewal, sign-out and revocation, and for "last seen" at most once per <see cref="LastSeenInterval"/>
/// per session. With several instances on one database (<see cref="ClusterSignal.ReachesOtherInstances"/>) memory is
/// a cache of the table instead: a session another instance created is read from the table at its first request here,
/// and an instance that ends or renews a session tells the others through the change signal (<see cref="SignalTopic"/>),
/// which drop or re-read it at once (decision 0015). Messages name a session by user and
/// <see cref="UserSession.Handle"/>, never by its id.
/// </summary>
public sealed class SessionStore : ITicketStore
{
    /// <summary>The claim, added to every stored ticket, that tells the rest of the console which session a request belongs to.</summary>
    public const string SessionClaim = "AdminConsole.Session";

    /// <summary>The change signal's topic: "ended {user} {handle}", "ended-all {user}", "renewed {user} {handle}".</summary>
    public const string SignalTopic = "sessions";

    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider time;
    private readonly ILogger<SessionStore> logger;
    private readonly ClusterSignal signal;

    public SessionStore(IServiceScopeFactory scopes, TimeProvider time, ILogger<SessionStore> logger, ClusterSignal signal)
    {
        this.scopes = scopes;
        this.time = time;
        this.logger = logger;
        this.signal = signal;
        signal.Subscribe(SignalTopic, OnSignal, () => _ = ResyncAsync());
    }

    public static readonly TimeSpan LastSeenInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    // Several instances: sessions known to have ended, so a browser that keeps sending an ended session's cookie (every
    // request of an open page) is refused without a query. Bounded: past MaxEnded it is cleared and such a cookie costs
    // one primary-key read per request again.
    private readonly ConcurrentDictionary<string, bool> _ended = new(StringComparer.Ordinal);
    private const int MaxEnded = 10_000;
    // Held while a session unknown here is read from the table and while sessions end: a read that began before an
    // ending would otherwise add the ended session back to memory after the ending removed it.
    private readonly SemaphoreSlim _changing = new(1, 1);
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile bool _loaded;

    /// <summary>Raised after a session has ended (its id and user id), whatever ended it: open hub connections close on it.</summary>
    public event Action<string, string>? Ended;

    /// <summary>Whether the session is current: what connections opened under it check.</summary>
    public bool IsActive(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var e) && (e.ExpiresUtc is not { } x || x > time.GetUtcNow());

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, null!, default);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        var id = Base64Url(RandomNumberGenerator.GetBytes(32));
        ticket = WithSessionClaim(ticket, id);
        var now = time.GetUtcNow();
        var row = new UserSession
        {
            Id = id,
            UserId = UserIdOf(ticket) ?? throw new InvalidOperationException("A session needs a user id claim."),
            CreatedUtc = now.UtcDateTime,
            LastSeenUtc = now.UtcDateTime,
            ExpiresUtc = ticket.Properties.ExpiresUtc?.UtcDateTime,
            IpAddress = Truncate(httpContext?.Connection.RemoteIpAddress?.ToString(), UserSession.IpAddressMaxLength),
            UserAgent = Truncate(httpContext?.Request.Headers.UserAgent.ToString(), UserSession.UserAgentMaxLength),
            Ticket = TicketSerializer.Default.Serialize(ticket),
        };
        await WithDbAsync(async db =>
        {
            db.UserSessions.Add(row);
            await db.SaveChangesAsync(cancellationToken);
        });
        _sessions[id] = new Entry(ticket, row.UserId, ticket.Properties.ExpiresUtc, now);
        return id;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, null!, default);

    public async Task RenewAsync(string key, AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        // A session is renewed only for the user it was made for. The cookie handler renews the request's session when
        // someone signs in over it; carrying another user's sign-in under a key a planted cookie already knows would be
        // session fixation, so that session ends instead and the next sign-in starts a fresh one.
        if (!_sessions.TryGetValue(key, out var current))
            return;
        if (!string.Equals(current.UserId, UserIdOf(ticket), StringComparison.Ordinal))
        {
            await RemoveAsync(key, httpContext, cancellationToken);
            return;
        }
        ticket = WithSessionClaim(ticket, key);
        var expires = ticket.Properties.ExpiresUtc?.UtcDateTime;
        var bytes = TicketSerializer.Default.Serialize(ticket);
        await WithDbAsync(db => db.UserSessions.Where(s => s.Id == key)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Ticket, bytes).SetProperty(s => s.ExpiresUtc, expires), cancellationToken));
        _sessions[key] = current with { Ticket = ticket, ExpiresUtc = ticket.Properties.ExpiresUtc };
        await signal.PublishAsync(SignalTopic, $"renewed {current.UserId} {UserSession.HandleOf(key)}");
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, null!, default);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        if (!_loaded)
            await EnsureLoadedAsync(cancellationToken);
        if (!_sessions.TryGetValue(key, out var entry))
        {
            // Several instances: the session may be another's (memory here is a cache of the table, see above).
            if (!signal.ReachesOtherInstances || _ended.ContainsKey(key) || await ReadAsync(key, cancellationToken) is not { } read)
                return null;
            entry = read;
        }
        var now = time.GetUtcNow();
        if (now - entry.LastSeenWritten >= LastSeenInterval)
        {
            // One request per session and minute pays for the write; a race lets two through, which is harmless.
            _sessions.TryUpdate(key, entry with { LastSeenWritten = now }, entry);
            var ip = Truncate(httpContext?.Connection.RemoteIpAddress?.ToString(), UserSession.IpAddressMaxLength);
            await WithDbAsync(db => db.UserSessions.Where(s => s.Id == key)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenUtc, now.UtcDateTime).SetProperty(s => s.IpAddress, ip), CancellationToken.None));
        }
        // Each caller gets its own copy: handlers and events may replace or mutate the principal and properties.
        return entry.Ticket.Clone();
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, null!, default);

    public async Task RemoveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        bool removed;
        string? userId;
        await _changing.WaitAsync(CancellationToken.None);
        try
        {
            removed = _sessions.TryRemove(key, out var entry);
            userId = entry?.UserId;
            if (userId is null && signal.ReachesOtherInstances) // held only by another instance: it must still hear of the end
                userId = await WithDbAsync(db => db.UserSessions.Where(s => s.Id == key).Select(s => s.UserId).FirstOrDefaultAsync(CancellationToken.None));
            await WithDbAsync(db => db.UserSessions.Where(s => s.Id == key).ExecuteDeleteAsync(CancellationToken.None));
        }
        finally
        {
            _changing.Release();
        }
        if (userId is null)
            return;
        Forget(key);
        if (removed)
            Ended?.Invoke(key, userId);
        await signal.PublishAsync(SignalTopic, $"ended {userId} {UserSession.HandleOf(key)}");
    }

    /// <summary>Ends every session of the user ("sign out everywhere", lock, role change, password reset, deletion).</summary>
    public async Task<int> EndAllAsync(string userId, CancellationToken ct = default)
    {
        await EnsureLoadedAsync(ct);
        List<string> keys;
        await _changing.WaitAsync(CancellationToken.None);
        try
        {
            keys = _sessions.Where(s => s.Value.UserId == userId).Select(s => s.Key).ToList();
            foreach (var key in keys)
            {
                _sessions.TryRemove(key, out _);
                Forget(key);
            }
            await WithDbAsync(db => db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(CancellationToken.None));
        }
        finally
        {
            _changing.Release();
        }
        foreach (var key in keys)
            Ended?.Invoke(key, userId);
        // Told even when none was held here: another instance may hold sessions of the user this one never saw.
        await signal.PublishAsync(SignalTopic, $"ended-all {userId}");
        return keys.Count;
    }

    /// <summary>Ends one session of the user, named by its <see cref="UserSession.Handle"/>; false when no current session of theirs has it.</summary>
    public async Task<bool> EndAsync(string userId, string handle, CancellationToken ct = default)
    {
        await EnsureLoadedAsync(ct);
        var key = _sessions.Where(s => s.Value.UserId == userId && UserSession.HandleOf(s.Key) == handle).Select(s => s.Key).FirstOrDefault();
        if (key is null && signal.ReachesOtherInstances) // a session only another instance has served so far
            key = (await WithDbAsync(db => db.UserSessions.Where(s => s.UserId == userId).Select(s => s.Id).ToListAsync(ct)))
                .FirstOrDefault(id => UserSession.HandleOf(id) == handle);
        if (key is null)
            return false;
        await RemoveAsync(key, null!, ct);
        return true;
    }

    /// <summary>The user's current sessions, newest first.</summary>
    public async Task<IReadOnlyList<UserSession>> ListAsync(string userId, CancellationToken ct = default)
    {
        await EnsureLoadedAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await WithDbAsync(db => db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId && (s.ExpiresUtc == null || s.ExpiresUtc > now))
            .OrderByDescending(s => s.CreatedUtc).ToListAsync(ct));
        // One instance: memory is authoritative. Several: the table is (a session may be held by another instance only).
        return signal.ReachesOtherInstances ? rows : rows.Where(r => _sessions.ContainsKey(r.Id)).ToList();
    }

    /// <summary>A session this instance does not hold, from the table (another instance created it); null when there is none.</summary>
    private async Task<Entry?> ReadAsync(string key, CancellationToken ct)
    {
        await _changing.WaitAsync(ct);
        try
        {
            if (_sessions.TryGetValue(key, out var known))
                return known;
            var row = await WithDbAsync(db => db.UserSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == key, ct));
            if (row is null || ToEntry(row) is not { } entry || entry.ExpiresUtc <= time.GetUtcNow())
                return null;
            return _sessions.GetOrAdd(key, entry);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>Another instance ended or renewed sessions: end them here too (closing their hub connections), or re-read them.</summary>
    private void OnSignal(string message)
    {
        var parts = message.Split(' ');
        switch (parts)
        {
            case ["ended-all", var userId]:
                foreach (var key in KeysOf(userId, handle: null))
                    EndHere(key, userId);
                break;
            case ["ended", var userId, var handle]:
                foreach (var key in KeysOf(userId, handle))
                    EndHere(key, userId);
                break;
            case ["renewed", var userId, var handle]:
                foreach (var key in KeysOf(userId, handle))
                    _ = RefreshAsync(key);
                break;
        }
    }

    private List<string> KeysOf(string userId, string? handle) =>
        [.. _sessions.Where(s => s.Value.UserId == userId && (handle is null || UserSession.HandleOf(s.Key) == handle)).Select(s => s.Key)];

    private void EndHere(string key, string userId)
    {
        Forget(key);
        if (_sessions.TryRemove(key, out _))
            Ended?.Invoke(key, userId);
    }

    private void Forget(string key)
    {
        if (!signal.ReachesOtherInstances)
            return; // one instance: memory is authoritative, a miss is already a refusal
        if (_ended.Count >= MaxEnded)
            _ended.Clear();
        _ended[key] = true;
    }

    /// <summary>Replaces what is held of a session with the table's row (renewed elsewhere), or ends it here when the row is gone.</summary>
    private async Task RefreshAsync(string key)
    {
        try
        {
            var row = await WithDbAsync(db => db.UserSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == key));
            if (row is not null && ToEntry(row) is { } entry)
                _sessions[key] = entry;
            else if (_sessions.TryGetValue(key, out var held))
                EndHere(key, held.UserId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Re-reading a session renewed by another instance failed; the next resynchronization retries.");
        }
    }

    /// <summary>
    /// Messages may have been missed (the link to the other instances was down): every held session is checked against
    /// the table; those gone end here, the others take the table's ticket.
    /// </summary>
    private async Task ResyncAsync()
    {
        if (!_loaded)
            return; // nothing held yet: the first request loads the table as it is
        try
        {
            var rows = await WithDbAsync(db => db.UserSessions.AsNoTracking().ToListAsync());
            var current = rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
            foreach (var (key, held) in _sessions)
            {
                if (current.TryGetValue(key, out var row) && ToEntry(row) is { } entry)
                    _sessions[key] = entry;
                else
                    EndHere(key, held.UserId);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Resynchronizing the sessions with the table failed; the next resynchronization retries.");
        }
    }

    private static Entry? ToEntry(UserSession row) =>
        TicketSerializer.Default.Deserialize(row.Ticket) is { } ticket
            ? new Entry(ticket, row.UserId, ticket.Properties.ExpiresUtc, new DateTimeOffset(DateTime.SpecifyKind(row.LastSeenUtc, DateTimeKind.Utc)))
            : null;

    private async Task EnsureLoadedAsync(CancellationToken ct)
    {
        if (_loaded) return;
        await _loading.WaitAsync(ct);
        try
        {
            if (_loaded) return;
            var now = time.GetUtcNow().UtcDateTime;
            var rows = await WithDbAsync(async db =>
            {
                // Expired sessions are of no use to anyone; the start is a good moment to drop them.
                await db.UserSessions.Where(s => s.ExpiresUtc != null && s.ExpiresUtc <= now).ExecuteDeleteAsync(ct);
                return await db.UserSessions.AsNoTracking().ToListAsync(ct);
            });
            foreach (var row in rows)
            {
                if (ToEntry(row) is { } entry)
                    _sessions.TryAdd(row.Id, entry);
                else
                    logger.LogWarning("Session {Session} could not be read and is ignored.", row.Id[..8]);
            }
            _loaded = true;
        }
        finally
        {
            _loading.Release();
        }
    }

    private async Task<T> WithDbAsync<T>(Func<AppDbContext, Task<T>> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    private Task WithDbAsync(Func<AppDbContext, Task> work) => WithDbAsync(async db => { await work(db); return 0; });

    private static AuthenticationTicket WithSessionClaim(AuthenticationTicket ticket, string id)
    {
        if (ticket.Principal.FindFirst(SessionClaim)?.Value == id)
            return ticket;
        var identities = ticket.Principal.Identities.Select(i => i.Clone()).ToList();
        var first = identities.FirstOrDefault() ?? new ClaimsIdentity(IdentityConstants.ApplicationScheme);
        foreach (var old in first.FindAll(SessionClaim).ToList())
            first.RemoveClaim(old);
        first.AddClaim(new Claim(SessionClaim, id));
        if (identities.Count == 0) identities.Add(first);
        return new AuthenticationTicket(new ClaimsPrincipal(identities), ticket.Properties, ticket.AuthenticationScheme);
    }

    private static string? UserIdOf(AuthenticationTicket ticket) => ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier);

    private static string? Truncate(string? s, int max) => string.IsNullOrEmpty(s) ? null : s.Length <= max ? s : s[..max];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Entry(AuthenticationTicket Ticket, string UserId, DateTimeOffset? ExpiresUtc, DateTimeOffset LastSeenWritten);
}
