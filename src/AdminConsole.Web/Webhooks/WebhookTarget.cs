namespace AdminConsole.Web.Webhooks;

/// <summary>How the event log names a delivery: <c>webhook:{batch id}</c>.</summary>
public static class WebhookTarget
{
    public const string Prefix = "webhook:";

    public static string Of(long batchId) => Prefix + batchId;

    /// <summary>The batch id in an entry's target, if it names a delivery.</summary>
    public static bool TryParse(string? target, out long batchId)
    {
        batchId = 0;
        return target is not null && target.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(target.AsSpan(Prefix.Length), out batchId);
    }
}
