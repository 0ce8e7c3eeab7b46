using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.ApiAccess;

/// <summary>A token just created: <see cref="Secret"/> is the only copy and is shown once.</summary>
public sealed record CreatedToken(ApiToken Token, string Secret);

/// <summary>
/// Creates, lists and revokes API tokens (the account page, the user details page and <c>create-token</c> use it).
/// A token is <c>acpt_</c> followed by 256 random bits (base64url). Only its SHA-256 is stored: a slow password
/// hash (PBKDF2, bcrypt) exists to make guessing low-entropy passwords expensive, and nobody can guess 256 random
/// bits however fast the hash is, so a fast, deterministic hash is enough and lets every request find its token
/// through a unique index instead of trying each stored salt.
/// </summary>
public sealed class ApiTokens(AppDbContext db, UserManager<AppUser> users, AuditTrail audit, TimeProvider time)
{
    public const string TokenPrefix = "acpt_";
    public const int MaxNameLength = 100;
    public const int MaxExpiresDays = 3650;
    /// <summary>Last-used times are written at most this often per token, so a busy script costs no write per request.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private const int SecretBytes = 32;
    private static readonly int TokenLength = TokenPrefix.Length + Base64Url.GetEncodedLength(SecretBytes);
    private const int ShownPrefixLength = 11; // "acpt_" and 6 characters: 36 of the 256 bits

    /// <summary>Who may own tokens: the roles that may send through <c>/realtime/trigger</c>.</summary>
    public static readonly IReadOnlyList<string> OwnerRoles = [Roles.Admin, Roles.Teacher];

    public static byte[] HashOf(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Whether <paramref name="token"/> has the shape of a token (prefix, length, alphabet); says nothing about whether it exists.</summary>
    public static bool LooksLikeToken(string token) =>
        token.Length == TokenLength
        && token.StartsWith(TokenPrefix, StringComparison.Ordinal)
        && !token.AsSpan(TokenPrefix.Length).ContainsAnyExcept(Base64UrlAlphabet);

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public async Task<(CreatedToken? Created, string? Error)> CreateAsync(Actor actor, AppUser owner, string? name, int? expiresDays, CancellationToken ct = default)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name))
            return (null, "Give the token a name that says what uses it, e.g. \"timetable sync\".");
        if (name.Length > MaxNameLength)
            return (null, $"The name is {name.Length} characters long; at most {MaxNameLength} are allowed.");
        if (expiresDays is < 1 or > MaxExpiresDays)
            return (null, $"A token expires after 1 to {MaxExpiresDays} days, or never.");
        if (owner.LockoutEnd is { } end && end > time.GetUtcNow())
            return (null, $"{owner.Email} is locked; a locked account cannot have working tokens.");
        var roles = await users.GetRolesAsync(owner);
        if (!roles.Any(OwnerRoles.Contains))
            return (null, $"{owner.Email} is neither an admin nor a teacher; only they can send events, so only they have tokens.");
        if (await db.ApiTokens.AnyAsync(t => t.UserId == owner.Id && t.Name == name && t.RevokedUtc == null, ct))
            return (null, $"{owner.Email} already has a token named \"{name}\"; revoke it or choose another name.");

        var secret = TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var now = time.GetUtcNow().UtcDateTime;
        var token = new ApiToken
        {
            UserId = owner.Id,
            Name = name,
            Prefix = secret[..ShownPrefixLength],
            Hash = HashOf(secret),
            CreatedUtc = now,
            ExpiresUtc = expiresDays is { } days ? now.AddDays(days) : null,
        };
        // The token and its audit entry (which names the token's id) commit together.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        audit.Add(db, AuditKinds.TokenCreated, actor, Target(owner.Id), Describe(token), outcome: "success");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return (new CreatedToken(token, secret), null);
    }

    /// <summary>The user's tokens, newest first, revoked ones included (they say when and by whom).</summary>
    public Task<List<ApiToken>> ListAsync(string userId, CancellationToken ct = default) =>
        db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(ct);

    /// <summary>Revokes a token of the caller's own, or anyone's for an admin. Null when done, else why not.</summary>
    public async Task<string?> RevokeAsync(ClaimsPrincipal actor, int tokenId, CancellationToken ct = default)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId, ct);
        if (token is null || !MayManage(actor, token.UserId))
            return "There is no such token you can revoke.";
        if (token.RevokedUtc is not null)
            return $"The token \"{token.Name}\" was already revoked.";
        token.RevokedUtc = time.GetUtcNow().UtcDateTime;
        token.RevokedBy = Actor.From(actor).Name;
        audit.Add(db, AuditKinds.TokenRevoked, Actor.From(actor), Target(token.UserId), Describe(token), outcome: "success");
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>Owners manage their own tokens; admins anyone's.</summary>
    public static bool MayManage(ClaimsPrincipal actor, string ownerId) =>
        actor.IsInRole(Roles.Admin) || actor.FindFirstValue(ClaimTypes.NameIdentifier) == ownerId;

    /// <summary>What the event log says about a token: never the token, only its name and shown prefix.</summary>
    internal static object Describe(ApiToken token) => new { id = token.Id, name = token.Name, prefix = token.Prefix, expiresUtc = token.ExpiresUtc };

    internal static string Target(string userId) => "user:" + userId;
}
