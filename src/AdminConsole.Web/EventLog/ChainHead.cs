using System.Data.Common;

namespace AdminConsole.Web.EventLog;

/// <summary>The chain head while a transaction appends to it.</summary>
internal sealed class ChainHead
{
    public long Id;
    public byte[] Hash = AuditChain.Genesis;
    public long MaxTimeTicks;
    public long MaxSkewTicks;

    public static ChainHead From(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Hash = (byte[])r.GetValue(1),
        MaxTimeTicks = r.GetInt64(2),
        MaxSkewTicks = r.GetInt64(3),
    };

    /// <summary>Gives the entry the next Id and its hash, linked to the previous entry.</summary>
    public void Seal(AuditEntry entry)
    {
        AuditChain.MakeWellFormed(entry);
        // PostgreSQL keeps microseconds (a tick is 0.1 µs): sealed as it will read back, on every provider.
        entry.TimeUtc = new DateTime(entry.TimeUtc.Ticks - entry.TimeUtc.Ticks % 10, DateTimeKind.Utc);
        entry.Id = ++Id;
        entry.Hash = AuditChain.ComputeHash(Hash, entry);
        Hash = entry.Hash;
        var ticks = entry.TimeUtc.Ticks;
        if (ticks < MaxTimeTicks)
            MaxSkewTicks = Math.Max(MaxSkewTicks, MaxTimeTicks - ticks);
        else
            MaxTimeTicks = ticks;
    }
}
