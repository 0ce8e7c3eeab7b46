using System.Security.Claims;
using System.Text.Encodings.Web;
using AdminConsole.Web.ChannelAuth;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.ApiAccess;

public static class ApiTokenDefaults
{
    /// <summary>Authenticates <c>Authorization: Bearer acpt_…</c>. Never the default scheme: pages do not know it.</summary>
    public const string Scheme = "ApiToken";

    /// <summary>
    /// For <c>/realtime/trigger</c> only: a request with an Authorization header is judged by its token alone,
    /// any other by the console's session cookie; challenges always answer <c>WWW-Authenticate: Bearer</c>.
    /// </summary>
    public const string SessionOrToken = "SessionOrApiToken";

    public const string TokenIdClaim = "api_token_id";
    public const string TokenNameClaim = "api_token_name";
}

public sealed class ApiTokenAuthenticationOptions : AuthenticationSchemeOptions;

/// <summary>
/// Checks a bearer token on every request: it exists, is not revoked or expired, its owner exists, is not locked
/// and is still an admin or teacher. The token row and the owner's lockout are read from the database each time
/// (one indexed query), roles from the membership snapshot that role changes invalidate, so revoking, locking,
/// deleting or demoting takes effect with the next request. The principal carries the owner's id and roles, so
/// the endpoint applies exactly the owner's rules.
/// </summary>
public sealed partial class ApiTokenAuthenticationHandler(
    IOptionsMonitor<ApiTokenAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AppDbContext db,
    MembershipCache memberships,
    AuthDecisionRecorder recorder,
    IProblemDetailsService problems,
    TimeProvider time)
    : AuthenticationHandler<ApiTokenAuthenticationOptions>(options, loggerFactory, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
            return AuthenticateResult.NoResult();
        var value = header.Count == 1 ? header[0] ?? "" : "";
        if (!value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("Send one header: Authorization: Bearer <token>.");
        var token = value[BearerPrefix.Length..].Trim();
        if (!ApiTokens.LooksLikeToken(token))
            return AuthenticateResult.Fail($"That is not an API token (they start with {ApiTokens.TokenPrefix}).");

        var hash = ApiTokens.HashOf(token);
        var found = await db.ApiTokens.AsNoTracking()
            .Where(t => t.Hash == hash)
            .Select(t => new { t.Id, t.Name, t.Prefix, t.UserId, t.ExpiresUtc, t.RevokedUtc, t.LastUsedUtc, t.User!.Email, t.User.LockoutEnd })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (found is null)
        {
            LogUnknownToken(Logger, Context.Connection.RemoteIpAddress?.ToString());
            return AuthenticateResult.Fail("Unknown token.");
        }

        var now = time.GetUtcNow();
        var snapshot = await memberships.GetAsync(Context.RequestAborted);
        var owner = snapshot.Find(found.UserId);
        var refusal =
            found.RevokedUtc is not null ? "The token has been revoked."
            : found.ExpiresUtc is { } expires && expires <= now.UtcDateTime ? "The token has expired."
            : found.LockoutEnd is { } lockedUntil && lockedUntil > now ? "The token's owner is locked."
            : owner is null ? "The token's owner no longer exists."
            : !ApiTokens.OwnerRoles.Any(owner.Roles.Contains) ? "The token's owner is no longer an admin or teacher."
            : null;

        var actor = new Actor(found.UserId, found.Email ?? found.UserId);
        var described = $"token \"{found.Name}\" ({found.Prefix}…)";
        await recorder.RecordAsync(new AuthDecisionRecord(now.UtcDateTime, AuditKinds.TokenUsed, actor, null, null,
            refusal is null ? "allowed" : "refused", refusal is null ? described : $"{described}: {refusal}"), Context.RequestAborted);
        if (refusal is not null)
            return AuthenticateResult.Fail(refusal);

        if (found.LastUsedUtc is not { } last || now.UtcDateTime - last >= ApiTokens.LastUsedResolution)
        {
            // Conditional, so concurrent requests of one token write it once.
            var stale = now.UtcDateTime - ApiTokens.LastUsedResolution;
            await db.ApiTokens.Where(t => t.Id == found.Id && (t.LastUsedUtc == null || t.LastUsedUtc <= stale))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedUtc, now.UtcDateTime), Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(Scheme.Name, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, owner!.Id));
        identity.AddClaim(new Claim(ClaimTypes.Name, owner.Email));
        identity.AddClaims(owner.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        identity.AddClaim(new Claim(ApiTokenDefaults.TokenIdClaim, found.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(ApiTokenDefaults.TokenNameClaim, found.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 6750: no error code when no credentials were sent at all.
        Response.Headers.WWWAuthenticate = reason is null
            ? "Bearer realm=\"AdminConsole\""
            : $"Bearer realm=\"AdminConsole\", error=\"invalid_token\", error_description=\"{reason.Replace("\"", "'")}\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = reason is null ? "Not signed in" : "The API token was not accepted",
                Detail = reason ?? "Sign in to the console, or send Authorization: Bearer <token> with an API token from your account page.",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = StatusCodes.Status403Forbidden, Title = "Not allowed", Detail = "The token's owner may not do this." },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A request from {RemoteAddress} sent an unknown API token.")]
    private static partial void LogUnknownToken(ILogger logger, string? remoteAddress);
}

/// <summary>Which scheme judges a request to the trigger endpoint.</summary>
internal static class SessionOrTokenSelector
{
    public static string Select(HttpContext http) =>
        http.Request.Headers.Authorization.Count > 0 ? ApiTokenDefaults.Scheme : IdentityConstants.ApplicationScheme;
}
