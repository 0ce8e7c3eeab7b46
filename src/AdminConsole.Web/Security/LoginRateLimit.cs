using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Security;

/// <summary>
/// Per-address limit of sign-in attempts (section "Security:LoginRateLimit"). Per-account lockout stops guessing one
/// account's password; this stops one address from guessing across accounts, or locking every account in turn.
/// </summary>
public sealed class LoginRateLimit
{
    public const string Section = "Security:LoginRateLimit";

    /// <summary>Sign-in attempts an address may make per <see cref="Window"/>; a school behind one NAT address signs in over minutes, not seconds.</summary>
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
