using System.Security.Claims;

namespace AdminConsole.Web.Shared;

/// <summary>The one partition rule of the console's rate limit policies.</summary>
public static class RateLimitKey
{
    /// <summary>
    /// The signed-in user's id, else the client address: a user keeps one budget across devices and addresses, and
    /// anonymous callers share their address's budget. The rate limiter runs after authentication (ShellSetup).
    /// </summary>
    public static string Of(HttpContext http) =>
        http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } id
            ? "user:" + id
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
