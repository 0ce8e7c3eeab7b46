using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Indexes for the log page's filters at a million rows. The page always reads newest first by Id, so every
/// filter index ends with Id: an equality filter then reads exactly one page of index entries, already in order.
/// Time ranges use the TimeUtc index to find their Id bounds (<see cref="EventLogQuery"/>).
/// </summary>
internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> e)
    {
        e.ToTable("AuditEntries");
        // AuditChain replaces EF's temporary key with head + 1 at save, so Ids are contiguous: a gap is a deletion.
        e.Property(a => a.Hash).IsRequired();
        // SQLite stores no kind; every time in the log is UTC, so say so when reading (JSON then carries the Z).
        e.Property(a => a.TimeUtc).HasConversion(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        e.HasIndex(a => a.TimeUtc);
        e.HasIndex(a => new { a.Kind, a.Id });
        e.HasIndex(a => new { a.Channel, a.Id });
        e.HasIndex(a => new { a.ActorName, a.Id });
        e.HasIndex(a => new { a.EventName, a.Id });
        e.HasIndex(a => new { a.Outcome, a.Id });
    }
}

internal sealed class AuditChainStateConfiguration : IEntityTypeConfiguration<AuditChainState>
{
    public void Configure(EntityTypeBuilder<AuditChainState> e)
    {
        e.ToTable("AuditChain");
        e.Property(s => s.Id).ValueGeneratedNever();
        e.HasData(new AuditChainState());
    }
}

internal sealed class ActivityMinuteConfiguration : IEntityTypeConfiguration<ActivityMinute>
{
    public void Configure(EntityTypeBuilder<ActivityMinute> e)
    {
        e.ToTable("ActivityMinutes");
        // The key doubles as the charts' index: a range of minutes, grouped by kind.
        e.HasKey(m => new { m.StartUnixMs, m.Kind });
        e.Property(m => m.Kind).HasMaxLength(64);
        // Covering index for the occupancy baseline (a sum over one kind's earlier minutes).
        e.HasIndex(m => new { m.Kind, m.StartUnixMs, m.Count });
    }
}
