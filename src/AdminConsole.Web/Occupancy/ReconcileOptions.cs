using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Occupancy;

/// <summary>The "Reconcile" section: how often the projection is checked against Pusher's own channel list.</summary>
public sealed class ReconcileOptions
{
    public const string Section = "Reconcile";

    /// <summary>0 (default): only on demand. Otherwise the projection is reconciled every this many seconds.</summary>
    [Range(0, 86400)]
    public int IntervalSeconds { get; set; }
}
