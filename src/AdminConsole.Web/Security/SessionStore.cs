using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
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
/// per session. A session this process does not know (signed in through another instance on the same database since
/// the table was read) is looked up by its key once and then kept like the others.
/// </summary>
public sealed class SessionStore(IServiceScopeFactory scopes, TimeProvider time, ILogger<SessionStore> logger) : ITicketStore
{
    /// <summary>The claim, added to every stored ticket, that tells the rest of the console which session a request belongs to.</summary>
    public const string SessionClaim = "AdminConsole.Session";

    public static readonly TimeSpan LastSeenInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);
    // Held while one unknown session is read in and while sessions end: a read that began before an ending would
    // otherwise add the ended session back to memory after the ending removed it.
    private readonly SemaphoreSlim _changing = new(1, 1);
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
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, null!, default);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        if (!_loaded)
            await EnsureLoadedAsync(cancellationToken);
        if (!_sessions.TryGetValue(key, out var entry) && (entry = await LoadOneAsync(key, cancellationToken)) is null)
            return null;
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
        Entry? entry;
        await _changing.WaitAsync(CancellationToken.None);
        try
        {
            removed = _sessions.TryRemove(key, out entry);
            await WithDbAsync(db => db.UserSessions.Where(s => s.Id == key).ExecuteDeleteAsync(CancellationToken.None));
        }
        finally
        {
            _changing.Release();
        }
        if (removed)
            Ended?.Invoke(key, entry!.UserId);
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
                _sessions.TryRemove(key, out _);
            await WithDbAsync(db => db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(CancellationToken.None));
        }
        finally
        {
            _changing.Release();
        }
        foreach (var key in keys)
            Ended?.Invoke(key, userId);
        return keys.Count;
    }

    /// <summary>Ends one session of the user, named by its <see cref="UserSession.Handle"/>; false when no current session of theirs has it.</summary>
    public async Task<bool> EndAsync(string userId, string handle, CancellationToken ct = default)
    {
        await EnsureLoadedAsync(ct);
        var key = _sessions.Where(s => s.Value.UserId == userId && UserSession.HandleOf(s.Key) == handle).Select(s => s.Key).FirstOrDefault();
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
        return rows.Where(r => _sessions.ContainsKey(r.Id)).ToList();
    }

    /// <summary>
    /// A session stored by another instance after this one read the table. One primary-key read per unknown cookie: a
    /// cookie reaches this only once the data-protection keys have verified it, so unknown keys are sessions issued
    /// elsewhere or ended ones, not guesses.
    /// </summary>
    private async Task<Entry?> LoadOneAsync(string key, CancellationToken ct)
    {
        await _changing.WaitAsync(ct);
        try
        {
            if (_sessions.TryGetValue(key, out var known))
                return known;
            var now = time.GetUtcNow().UtcDateTime;
            var row = await WithDbAsync(db => db.UserSessions.AsNoTracking()
                .SingleOrDefaultAsync(s => s.Id == key && (s.ExpiresUtc == null || s.ExpiresUtc > now), ct));
            if (row is null || TicketSerializer.Default.Deserialize(row.Ticket) is not { } ticket)
                return null;
            var entry = new Entry(ticket, row.UserId, ticket.Properties.ExpiresUtc, new DateTimeOffset(DateTime.SpecifyKind(row.LastSeenUtc, DateTimeKind.Utc)));
            return _sessions.GetOrAdd(key, entry);
        }
        finally
        {
            _changing.Release();
        }
    }

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
                if (TicketSerializer.Default.Deserialize(row.Ticket) is { } ticket)
                    _sessions.TryAdd(row.Id, new Entry(ticket, row.UserId, ticket.Properties.ExpiresUtc, new DateTimeOffset(DateTime.SpecifyKind(row.LastSeenUtc, DateTimeKind.Utc))));
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
