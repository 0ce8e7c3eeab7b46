using System.Threading.RateLimiting;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Compose;

/// <summary>The "compose" policy of the compose page and /realtime/trigger: a token bucket per caller.</summary>
internal sealed class ComposeRateLimitPolicy(IOptions<ComposeRateLimit> options) : IRateLimiterPolicy<string>
{
    public const string Name = "compose";

    // Null: the shell's rejection (429) applies.
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var limit = options.Value;
        return RateLimitPartition.GetTokenBucketLimiter(RateLimitKey.Of(httpContext), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.PermitLimit,
            TokensPerPeriod = limit.PermitLimit,
            ReplenishmentPeriod = limit.Window,
            QueueLimit = 0,
        });
    }
}
