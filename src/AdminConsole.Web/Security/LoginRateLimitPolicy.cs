using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Security;

/// <summary>The "login" policy of the sign-in page: a fixed window per client address, on the form's POST only.</summary>
internal sealed class LoginRateLimitPolicy(IOptions<LoginRateLimit> options) : IRateLimiterPolicy<string>
{
    public const string Name = "login";

    // Null: the shell's rejection (429) applies.
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        // Showing the form costs nothing and locks nothing.
        if (!HttpMethods.IsPost(httpContext.Request.Method))
            return RateLimitPartition.GetNoLimiter("");
        var limit = options.Value;
        // Always the address, even for a signed-in caller: the user id would give each stolen session a budget of its own.
        return RateLimitPartition.GetFixedWindowLimiter("ip:" + (httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            QueueLimit = 0,
        });
    }
}
