using System.ComponentModel.DataAnnotations;
using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.ApiAccess;

/// <summary>
/// A named API token of an admin or teacher, for scripts and integrations calling <c>/realtime/trigger</c>.
/// Only the SHA-256 of the token is stored; the token itself is shown once, when it is created.
/// </summary>
public class ApiToken
{
    public int Id { get; set; }

    public string UserId { get; set; } = "";
    public AppUser? User { get; set; }

    [MaxLength(100)]
    public string Name { get; set; } = "";

    /// <summary>The token's first characters (<c>acpt_</c> and 6 more): enough to recognise it in a list or the log, far too few to use.</summary>
    [MaxLength(16)]
    public string Prefix { get; set; } = "";

    /// <summary>SHA-256 of the whole token string.</summary>
    [MaxLength(32)]
    public byte[] Hash { get; set; } = [];

    public DateTime CreatedUtc { get; set; }
    public DateTime? ExpiresUtc { get; set; }
    /// <summary>Updated at most once a minute (<see cref="ApiTokens.LastUsedResolution"/>).</summary>
    public DateTime? LastUsedUtc { get; set; }
    public DateTime? RevokedUtc { get; set; }
    [MaxLength(256)]
    public string? RevokedBy { get; set; }

    public bool IsExpired(DateTime nowUtc) => ExpiresUtc is { } e && e <= nowUtc;
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> e)
    {
        e.ToTable("ApiTokens");
        // Every bearer request looks its token up by hash.
        e.HasIndex(t => t.Hash).IsUnique();
        e.HasIndex(t => t.UserId);
        // A deleted account's tokens go with it, so they stop working at once.
        e.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public static class ApiTokenData
{
    // The feature brings its own table; Data does not need to know about it.
    extension(AppDbContext db)
    {
        public DbSet<ApiToken> ApiTokens => db.Set<ApiToken>();
    }
}
