using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Security;

/// <summary>
/// One signed-in session: the cookie carries only its <see cref="Id"/> (protected), the ticket lives here, so ending a
/// session (sign-out, lock, role change, "sign out everywhere", an administrator) takes effect on the next request.
/// </summary>
public sealed class UserSession
{
    public const int IpAddressMaxLength = 64;
    public const int UserAgentMaxLength = 512;

    /// <summary>256 random bits, base64url: the key the cookie names.</summary>
    public required string Id { get; set; }

    /// <summary>
    /// What pages and forms name a session by: the first 72 bits of its id. The id itself is a credential's handle
    /// (a stolen data-protection key plus the id would forge a cookie), so it never reaches a page.
    /// </summary>
    public string Handle => HandleOf(Id);

    public static string HandleOf(string id) => id[..12];
    public required string UserId { get; set; }
    public DateTime CreatedUtc { get; set; }
    /// <summary>Written at most once a minute per session (see <see cref="SessionStore"/>).</summary>
    public DateTime LastSeenUtc { get; set; }
    public DateTime? ExpiresUtc { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
    /// <summary>The authentication ticket, serialized by <see cref="Microsoft.AspNetCore.Authentication.TicketSerializer"/>.</summary>
    public required byte[] Ticket { get; set; }
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> e)
    {
        e.ToTable("UserSessions");
        e.Property(s => s.Id).HasMaxLength(64);
        e.Property(s => s.IpAddress).HasMaxLength(UserSession.IpAddressMaxLength);
        e.Property(s => s.UserAgent).HasMaxLength(UserSession.UserAgentMaxLength);
        e.HasIndex(s => s.UserId);
        // Deleting an account deletes its sessions; SessionStore forgets them when the deletion is reported.
        e.HasOne<AppUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>This feature's table as a set of the console's <see cref="AppDbContext"/>.</summary>
public static class SecurityData
{
    extension(AppDbContext db)
    {
        public DbSet<UserSession> UserSessions => db.Set<UserSession>();
    }
}
