using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// One append-only entry of the event log: what happened, who did it, to which channel or target,
/// with its outcome and payload. Nothing updates or deletes an entry except retention.
/// </summary>
public class AuditEntry
{
    public long Id { get; set; }

    public DateTime TimeUtc { get; set; }

    /// <summary>One of <see cref="AuditKinds"/>.</summary>
    [MaxLength(64)]
    public string Kind { get; set; } = "";

    /// <summary>Identity user id of the actor; null for Pusher or the system.</summary>
    [MaxLength(450)]
    public string? ActorId { get; set; }

    /// <summary>Human-readable actor: an email, "Pusher" or "system".</summary>
    [MaxLength(256)]
    public string ActorName { get; set; } = "";

    [MaxLength(200)]
    public string? Channel { get; set; }

    [MaxLength(200)]
    public string? EventName { get; set; }

    /// <summary>e.g. success, failure, allowed, refused, accepted, duplicate, rejected.</summary>
    [MaxLength(32)]
    public string? Outcome { get; set; }

    /// <summary>What the action was applied to, e.g. "user:{id}" or "class:{id}".</summary>
    [MaxLength(256)]
    public string? Target { get; set; }

    /// <summary>Payload or before/after JSON.</summary>
    public string? Data { get; set; }

    /// <summary>
    /// SHA-256 over the previous entry's hash and this entry's canonical form (<see cref="AuditChain"/>);
    /// set when the entry is saved, never by the writer.
    /// </summary>
    public byte[] Hash { get; set; } = [];

    /// <summary>An unsealed entry; its Id and Hash are given when it joins the chain.</summary>
    public static AuditEntry Of(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome) => new()
    {
        TimeUtc = timeUtc,
        Kind = kind,
        ActorId = actor.Id,
        ActorName = actor.Name,
        Channel = channel,
        EventName = eventName,
        Outcome = outcome,
        Target = target,
        Data = data,
    };
}

/// <summary>The kinds of <see cref="AuditEntry"/>; stable strings because auditors filter and export by them.</summary>
public static class AuditKinds
{
    public const string SignIn = "signin.succeeded";
    public const string SignInFailed = "signin.failed";
    public const string LockedOut = "signin.lockedout";
    public const string SignOut = "signout";

    public const string UserCreated = "user.created";
    public const string UserDeleted = "user.deleted";
    public const string UserRoleAdded = "user.role.added";
    public const string UserRoleRemoved = "user.role.removed";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";
    public const string UserPasswordReset = "user.password.reset";

    public const string ClassCreated = "class.created";
    public const string ClassRenamed = "class.renamed";
    public const string ClassArchived = "class.archived";
    public const string ClassRestored = "class.restored";
    public const string ClassMemberAdded = "class.member.added";
    public const string ClassMemberRemoved = "class.member.removed";

    public const string ChannelAuth = "channel.auth";
    public const string UserAuth = "user.auth";
    public const string EventSent = "event.sent";

    public const string WebhookEvent = "webhook.event";
    public const string WebhookRejected = "webhook.rejected";
    public const string WebhookDuplicate = "webhook.duplicate";
    public const string ReconcileCorrection = "reconcile.correction";

    public const string LogExported = "log.exported";
    public const string LogPurged = "log.purged";
}
