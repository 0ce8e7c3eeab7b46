using System.Threading.RateLimiting;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.RateLimiting;

namespace AdminConsole.Web.Compose;

/// <summary>The "compose" policy of the compose page and /realtime/trigger: a token bucket per caller.</summary>
internal sealed class ComposeRateLimitPolicy : IRateLimiterPolicy<string>
{
    public const string Name = "compose";

    // Null: the shell's rejection (429) applies.
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    // A teacher sends a handful of announcements a lesson (each send also reloads the history); a runaway script
    // should not flood the school.
    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetTokenBucketLimiter(RateLimitKey.Of(httpContext), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 60,
            TokensPerPeriod = 60,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
}
