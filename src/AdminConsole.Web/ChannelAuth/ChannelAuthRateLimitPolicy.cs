using System.Threading.RateLimiting;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.ChannelAuth;

/// <summary>The "channel-auth" policy of /pusher/auth and /pusher/user-auth: a fixed window per caller.</summary>
internal sealed class ChannelAuthRateLimitPolicy(IOptions<ChannelAuthRateLimit> options) : IRateLimiterPolicy<string>
{
    public const string Name = "channel-auth";

    // Null: the shell's rejection (429) applies.
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var limit = options.Value;
        return RateLimitPartition.GetFixedWindowLimiter(RateLimitKey.Of(httpContext), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            QueueLimit = 0,
        });
    }
}
