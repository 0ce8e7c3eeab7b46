using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;

namespace AdminConsole.Web.Security;

/// <summary>
/// Remembers the tickets recent sign-in cookies decrypt to, keyed by the cookie's exact protected text, so a client
/// that replays the same cookie many times a second (pusher-js authorizing each channel of a page) pays the
/// AES + HMAC + deserialization once. Only what the cookie itself says is cached: the authentication handler still
/// checks the ticket's expiry and the security stamp validator still runs on every request, so expired tickets
/// and changed security stamps are refused exactly as before. Anything that fails to unprotect (tampered, foreign
/// key) is never cached. The one thing that could change for the same text, revoking a data-protection key, takes
/// effect within <see cref="Lifetime"/>. Bounded: past <see cref="Capacity"/> entries the cache starts over.
/// </summary>
public sealed class CachedTicketFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider time) : ISecureDataFormat<AuthenticationTicket>
{
    public const int Capacity = 10_000;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    // ConcurrentDictionary.Count takes every lock; an approximate count is enough to bound the size.
    private int _count;

    public ISecureDataFormat<AuthenticationTicket> Inner => inner;

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (protectedText is null || purpose is not null)
            return inner.Unprotect(protectedText, purpose);

        var now = time.GetUtcNow();
        // Each caller gets its own copy: handlers and events may replace or mutate the principal and properties.
        if (_entries.TryGetValue(protectedText, out var hit) && now < hit.Until)
            return hit.Ticket.Clone();

        var ticket = inner.Unprotect(protectedText, purpose);
        if (ticket is null)
            return null;
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _count, 1);
        }
        _entries[protectedText] = new Entry(ticket.Clone(), now + Lifetime);
        return ticket;
    }

    private sealed record Entry(AuthenticationTicket Ticket, DateTimeOffset Until);
}
