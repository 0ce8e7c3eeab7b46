using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using AdminConsole.Web.Compose;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.ApiAccess;

/// <summary>
/// The rate limit of <c>/realtime/trigger</c>. A request authenticated by an API token counts against that token
/// (<see cref="ApiTokenOptions"/>), so a busy script neither uses up its owner's budget in the console nor hides
/// behind it; a console session counts against its user, at the compose page's rate.
/// </summary>
internal sealed class TriggerRateLimitPolicy(IOptions<ApiTokenOptions> options, IOptions<ComposeRateLimit> composeLimit)
    : IRateLimiterPolicy<string>
{
    private readonly ComposeRateLimitPolicy compose = new(composeLimit);

    public RateLimitPartition<string> GetPartition(HttpContext http)
    {
        if (http.User.FindFirstValue(ApiTokenDefaults.TokenIdClaim) is { } tokenId)
        {
            var limit = options.Value;
            return RateLimitPartition.GetFixedWindowLimiter("token:" + tokenId, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit.PermitLimit,
                Window = limit.Window,
                QueueLimit = 0,
            });
        }
        // A console session: the compose page's rule (its own bucket here, at the same rate).
        return compose.GetPartition(http);
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : (TimeSpan?)null;
        if (retryAfter is { } r)
            http.Response.Headers.RetryAfter = Math.Ceiling(r.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = http.User.HasClaim(c => c.Type == ApiTokenDefaults.TokenIdClaim)
                    ? "This API token has used up its requests for now; try again later."
                    : "You have sent too many events for now; try again later.",
            },
        });
    };
}
