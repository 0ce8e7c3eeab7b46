using AdminConsole.Channels;

namespace AdminConsole.Web.Webhooks;

/// <summary>A unit of work for the writer; the request that queued it awaits <see cref="Completion"/>.</summary>
public abstract class IngestWork
{
    public long ReceivedMs { get; init; }
    public string? RemoteAddress { get; init; }
    internal abstract int EventCount { get; }
    internal abstract void Complete();
    internal abstract void Fail(Exception ex);
}

/// <summary>A webhook whose key and signature checked out and whose body parsed.</summary>
public sealed class VerifiedDelivery : IngestWork
{
    public required byte[] Body { get; init; }
    public required string BodySha256 { get; init; }
    public required Webhook Webhook { get; init; }
    internal IngestResult? Result { get; set; }
    internal TaskCompletionSource<IngestResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    internal override int EventCount => Webhook.Events.Count;
    internal override void Complete() => Completion.TrySetResult(Result!);
    internal override void Fail(Exception ex) => Completion.TrySetException(ex);
}

/// <summary>A delivery that failed a check, for the delivery log.</summary>
public sealed class RejectedDelivery : IngestWork
{
    public required string FailedCheck { get; init; }
    public required string Reason { get; init; }
    public required int Status { get; init; }
    public string? BodySha256 { get; init; }
    public long BodyLength { get; init; }
    internal TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    internal override int EventCount => 1;
    internal override void Complete() => Completion.TrySetResult();
    internal override void Fail(Exception ex) => Completion.TrySetException(ex);
}

/// <summary>What storing a delivery did: the batch it is (or duplicates), and how many events it carried.</summary>
public sealed record IngestResult(long BatchId, bool Duplicate, int Events);

/// <summary>The store could not take the delivery (shutting down, or the database failed): answer 503 so Pusher retries.</summary>
public sealed class IngestUnavailableException(Exception? inner = null)
    : Exception("The webhook store is unavailable.", inner);
