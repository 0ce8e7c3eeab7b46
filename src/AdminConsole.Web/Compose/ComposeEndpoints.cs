using System.Text.Json;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Antiforgery;

namespace AdminConsole.Web.Compose;

public static class ComposeEndpoints
{
    public static void AddCompose(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SendableChannels>();
        builder.Services.AddSingleton<ComposeMetrics>();
        builder.Services.AddScoped<EventSender>();
        builder.Services.AddOptions<ComposeRateLimit>().BindConfiguration(ComposeRateLimit.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(o => o.AddPolicy<string, ComposeRateLimitPolicy>(ComposeRateLimitPolicy.Name));
    }

    public static void MapCompose(this WebApplication app)
    {
        app.MapPost("/realtime/trigger", TriggerAsync)
            // Compose's roles from a session cookie or an API token; tokens have their own rate limit (Policies.Trigger).
            .RequireAuthorization(Policies.Trigger)
            .DisableCookieRedirect()
            .AddEndpointFilter<AntiforgeryHeaderFilter>()
            .RequireRateLimiting(Policies.Trigger)
            .WithName("RealtimeTrigger");
    }

    private static async Task<IResult> TriggerAsync(HttpContext http, EventSender sender, PusherApp pusher, CancellationToken cancellationToken)
    {
        TriggerRequest? request;
        try
        {
            request = await http.Request.ReadFromJsonAsync<TriggerRequest>(cancellationToken);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: not application/json.
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body must be a JSON object {channel | channels, event, data, socket_id?} sent as application/json."] },
                title: "The request body is not valid JSON");
        }

        var (trigger, errors) = EventSender.Validate(request, pusher.HasEncryptionKey);
        if (trigger is null)
            return TypedResults.ValidationProblem(errors, title: "The event was not sent: fix the fields named below");

        var result = await sender.SendAsync(http.User, trigger, cancellationToken: cancellationToken);
        return ToHttpResult(result);
    }

    internal static IResult ToHttpResult(SendResult result)
    {
        var extensions = new Dictionary<string, object?>();
        if (result.Record is { } r)
        {
            extensions["sendId"] = r.Id;
            extensions["outcome"] = r.Status.ToString();
        }
        if (result.Succeeded)
            return TypedResults.Ok(new { id = result.Record!.Id, status = result.Record.Status.ToString(), channels = JsonSerializer.Deserialize<string[]>(result.Record.Channels), @event = result.Record.EventName, durationMs = result.Record.DurationMs });
        if (result.Errors is not null && result.HttpStatus == StatusCodes.Status400BadRequest)
            return TypedResults.ValidationProblem(result.Errors, result.Detail, title: result.Title, extensions: extensions);
        if (result.Errors is not null)
            extensions["errors"] = result.Errors;
        return TypedResults.Problem(result.Detail, statusCode: result.HttpStatus, title: result.Title, extensions: extensions);
    }
}

/// <summary>
/// Cookie-authenticated JSON endpoints are not covered by minimal-API antiforgery (it validates form posts only),
/// so a cross-site page could otherwise make a signed-in teacher's browser send. The console's scripts send the
/// page's token in the RequestVerificationToken header (a separate dashboard gets one from <c>/api/session</c>).
/// A request authenticated otherwise (an API token in the Authorization header, which browsers never attach by
/// themselves) cannot be forged that way and needs none.
/// </summary>
internal sealed class AntiforgeryHeaderFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.User.Identity?.AuthenticationType != Microsoft.AspNetCore.Identity.IdentityConstants.ApplicationScheme)
            return await next(context);
        try
        {
            await antiforgery.ValidateRequestAsync(context.HttpContext);
        }
        catch (AntiforgeryValidationException)
        {
            return TypedResults.Problem("Send the page's antiforgery token in the RequestVerificationToken header.",
                statusCode: StatusCodes.Status400BadRequest, title: "Missing or invalid antiforgery token");
        }
        return await next(context);
    }
}
