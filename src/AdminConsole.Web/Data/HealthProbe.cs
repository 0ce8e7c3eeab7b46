using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Data;

/// <summary>One row per host, rewritten by every readiness check: proof that the database takes writes.</summary>
public sealed class HealthProbe
{
    public required string Host { get; set; }
    public DateTime AtUtc { get; set; }
}

internal sealed class HealthProbeConfiguration : IEntityTypeConfiguration<HealthProbe>
{
    public void Configure(EntityTypeBuilder<HealthProbe> builder)
    {
        builder.ToTable("HealthProbes");
        builder.HasKey(p => p.Host);
        builder.Property(p => p.Host).HasMaxLength(256);
    }
}
