using System.Security.Claims;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Classes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.ApiAccess;

/// <summary>
/// <c>GET /api/session</c>: what a separate dashboard needs to act for the signed-in user: who they are, their
/// roles and classes (with the classes' channel names), the endpoints, and the antiforgery token it must send in
/// the <c>RequestVerificationToken</c> header of <c>POST /realtime/trigger</c>. Only the console's own pages and
/// the configured origins can read the answer, so only they can obtain the token.
/// </summary>
internal static class SessionEndpoint
{
    public const string Path = "/api/session";

    public static async Task<IResult> GetAsync(HttpContext http, MembershipCache memberships, IAntiforgery antiforgery,
        IOptions<AntiforgeryOptions> antiforgeryOptions, CancellationToken cancellationToken)
    {
        // Sessions are answered here rather than by a redirect or the status page, so a dashboard always gets JSON.
        http.Response.Headers.CacheControl = "no-store";
        var snapshot = await memberships.GetAsync(cancellationToken);
        var user = http.User.Identity?.IsAuthenticated == true ? snapshot.Find(http.User.FindFirstValue(ClaimTypes.NameIdentifier)) : null;
        if (user is null)
            return TypedResults.Problem("Sign in to the console first (the dashboard's requests must include credentials).",
                statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in");

        var tokens = antiforgery.GetAndStoreTokens(http);
        var classes = user.Classes
            .Select(m => (Membership: m, Class: snapshot.Classes.GetValueOrDefault(m.Key)))
            .Where(c => c.Class is not null)
            .OrderBy(c => c.Class!.Name, StringComparer.CurrentCultureIgnoreCase)
            .Select(c => new
            {
                id = c.Class!.Id,
                name = c.Class.Name,
                role = c.Membership.Value.ToString(),
                archived = c.Class.Archived,
                channels = new
                {
                    @private = ChannelNames.PrivateClass(c.Class.Id),
                    presence = ChannelNames.PresenceClass(c.Class.Id),
                    encrypted = ChannelNames.PrivateEncryptedClass(c.Class.Id),
                },
            });
        return TypedResults.Ok(new
        {
            userId = user.Id,
            email = user.Email,
            name = user.DisplayName,
            roles = user.Roles.Order(StringComparer.Ordinal),
            userChannel = ChannelNames.PrivateUser(user.Id),
            classes,
            antiforgery = new { headerName = antiforgeryOptions.Value.HeaderName, token = tokens.RequestToken },
            endpoints = new { channelAuthorization = "/pusher/auth", userAuthentication = "/pusher/user-auth", trigger = "/realtime/trigger" },
        });
    }
}
