using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Pusher;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.ChannelAuth;

public static class ChannelAuthEndpoints
{
    public static void AddChannelAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ChannelAuthorizer>();
        services.AddSingleton<ChannelAuthMetrics>();
        services.AddSingleton<AuthDecisionRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthDecisionRecorder>());

        services.AddOptions<ChannelAuthRateLimit>().BindConfiguration(ChannelAuthRateLimit.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o => o.AddPolicy<string, ChannelAuthRateLimitPolicy>(ChannelAuthRateLimitPolicy.Name));
    }

    public static void MapChannelAuth(this WebApplication app)
    {
        var pusher = app.MapGroup("/pusher")
            .RequireAuthorization()
            // pusher-js reads the status: a signed-out user must get 401, not a 302 to the sign-in page.
            .DisableCookieRedirect()
            .RequireRateLimiting(ChannelAuthRateLimitPolicy.Name)
            // pusher-js posts a plain form without an antiforgery token; a cross-site page cannot read the answer,
            // and the Lax auth cookie is not sent on cross-site POSTs anyway.
            .DisableAntiforgery();

        pusher.MapPost("/auth", AuthorizeChannelAsync).WithName("PusherChannelAuth");
        pusher.MapPost("/user-auth", AuthenticateUserAsync).WithName("PusherUserAuth");
    }

    private static async Task<IResult> AuthorizeChannelAsync(HttpContext http, PusherApp pusher, MembershipCache cache,
        ChannelAuthorizer authorizer, AuthDecisionRecorder recorder, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
            return Results.Text("Expected a form post (application/x-www-form-urlencoded) with socket_id and channel_name.", statusCode: StatusCodes.Status400BadRequest);
        if (!pusher.IsConfigured)
            return Results.Text("Pusher is not configured on this console: nothing can be signed.", statusCode: StatusCodes.Status503ServiceUnavailable);

        var (form, unreadable) = await ReadFormAsync(http, cancellationToken);
        if (form is null)
            return unreadable!;
        string? socketId = form["socket_id"];
        string? channel = form["channel_name"];
        var snapshot = await cache.GetAsync(cancellationToken);
        var user = snapshot.Find(http.User.FindFirstValue(ClaimTypes.NameIdentifier));
        var decision = authorizer.Decide(user, snapshot, socketId, channel);

        await recorder.RecordAsync(new AuthDecisionRecord(time.GetUtcNow().UtcDateTime, AuditKinds.ChannelAuth, Actor.From(http.User),
            Clip(channel, 200), Clip(socketId, 64), decision.Outcome.ToString().ToLowerInvariant(), decision.Reason), cancellationToken);

        return decision.Outcome switch
        {
            ChannelAuthOutcome.Allowed => Results.Text(authorizer.Sign(decision, user!, socketId!, channel!).ToJson(), "application/json"),
            ChannelAuthOutcome.Malformed => Results.Text(decision.Reason, statusCode: StatusCodes.Status400BadRequest),
            _ => Results.Text(decision.Reason, statusCode: StatusCodes.Status403Forbidden),
        };
    }

    private static async Task<IResult> AuthenticateUserAsync(HttpContext http, PusherApp pusher, MembershipCache cache,
        AuthDecisionRecorder recorder, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
            return Results.Text("Expected a form post (application/x-www-form-urlencoded) with socket_id.", statusCode: StatusCodes.Status400BadRequest);
        if (!pusher.IsConfigured)
            return Results.Text("Pusher is not configured on this console: nothing can be signed.", statusCode: StatusCodes.Status503ServiceUnavailable);

        var (form, unreadable) = await ReadFormAsync(http, cancellationToken);
        if (form is null)
            return unreadable!;
        string? socketId = form["socket_id"];
        var snapshot = await cache.GetAsync(cancellationToken);
        var user = snapshot.Find(http.User.FindFirstValue(ClaimTypes.NameIdentifier));
        var (status, reason) = !AdminConsole.Channels.SocketId.IsValid(socketId)
            ? (StatusCodes.Status400BadRequest, "socket_id is missing or malformed (expected digits.digits).")
            : user is null
                ? (StatusCodes.Status403Forbidden, "Your account no longer exists.")
                : (StatusCodes.Status200OK, "signed in");

        await recorder.RecordAsync(new AuthDecisionRecord(time.GetUtcNow().UtcDateTime, AuditKinds.UserAuth, Actor.From(http.User), null, Clip(socketId, 64),
            status == StatusCodes.Status200OK ? "allowed" : status == StatusCodes.Status400BadRequest ? "malformed" : "refused", reason), cancellationToken);

        if (status != StatusCodes.Status200OK)
            return Results.Text(reason, statusCode: status);
        var signed = pusher.Signer.AuthenticateUser(socketId!, user!.Id, ChannelAuthorizer.PresenceInfo(user));
        return Results.Text(signed.ToJson(), "application/json");
    }

    /// <summary>
    /// The form as pusher-js posts it. A body that cannot be one (multipart without a boundary, more fields or
    /// longer keys than the form limits allow, cut off before its end) is the client's mistake: 400 with the reason.
    /// </summary>
    private static async Task<(IFormCollection? Form, IResult? Error)> ReadFormAsync(HttpContext http, CancellationToken cancellationToken)
    {
        try
        {
            return (await http.Request.ReadFormAsync(cancellationToken), null);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or BadHttpRequestException or IOException)
        {
            return (null, Results.Text("The form could not be read: " + e.Message, statusCode: StatusCodes.Status400BadRequest));
        }
    }

    private static string? Clip(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
