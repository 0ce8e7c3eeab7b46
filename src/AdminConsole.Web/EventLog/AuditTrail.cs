using System.Security.Claims;
using System.Text.Json;
using AdminConsole.Web.Data;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Writes <see cref="AuditEntry"/> rows. Entries are added to the caller's <see cref="AppDbContext"/>
/// so they commit atomically with the change they describe: an audited change without its entry
/// (or the reverse) cannot exist.
/// </summary>
public sealed class AuditTrail(TimeProvider time)
{
    public AuditEntry Add(AppDbContext db, string kind, Actor actor, string? target = null, object? data = null,
        string? channel = null, string? eventName = null, string? outcome = null)
    {
        var json = data switch
        {
            null => null,
            string s => s,
            _ => JsonSerializer.Serialize(data, JsonSerializerOptions.Web),
        };
        var entry = AuditEntry.Of(time.GetUtcNow().UtcDateTime, kind, actor, target, json, channel, eventName, outcome);
        db.AuditEntries.Add(entry);
        return entry;
    }
}

/// <summary>Who did something: a signed-in user, Pusher, or the console itself.</summary>
public readonly record struct Actor(string? Id, string Name)
{
    public static readonly Actor Pusher = new(null, "Pusher");
    public static readonly Actor System = new(null, "system");

    public static Actor From(ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name ?? "anonymous");

    public static Actor From(AppUser user) => new(user.Id, user.Email ?? user.UserName ?? user.Id);
}
