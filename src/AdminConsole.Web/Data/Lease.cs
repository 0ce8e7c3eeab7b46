using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Data;

/// <summary>
/// A named lease (<see cref="Leases"/>): who holds it and until when. One row per name, rewritten by one atomic
/// statement, so of several instances on one database exactly one holds a name at a time.
/// </summary>
public sealed class Lease
{
    public required string Name { get; set; }

    /// <summary>The holder's instance id (<see cref="LeaseHolder"/>): machine, process and a random part.</summary>
    public required string Holder { get; set; }

    /// <summary>When this holder took the lease (Unix ms): a renewal keeps it, a takeover resets it.</summary>
    public long AcquiredUnixMs { get; set; }

    /// <summary>Until when the lease is held unless renewed (Unix ms); a plain number compares the same on both providers.</summary>
    public long ExpiresUnixMs { get; set; }
}

internal sealed class LeaseConfiguration : IEntityTypeConfiguration<Lease>
{
    public void Configure(EntityTypeBuilder<Lease> builder)
    {
        builder.ToTable("Leases");
        builder.HasKey(l => l.Name);
        builder.Property(l => l.Name).HasMaxLength(100);
        builder.Property(l => l.Holder).HasMaxLength(200);
    }
}
