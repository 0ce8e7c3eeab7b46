using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Webhooks;

/// <summary>
/// A delivery to /pusher/webhook that was refused, for the auditors' delivery log: a misconfigured secret or
/// a forged request shows up here rather than silently vanishing.
/// </summary>
public class WebhookRejection
{
    public long Id { get; set; }

    public long ReceivedMs { get; set; }

    [MaxLength(64)]
    public string? RemoteAddress { get; set; }

    /// <summary>Which check failed: one of <see cref="WebhookRejectionChecks"/>.</summary>
    [MaxLength(32)]
    public string FailedCheck { get; set; } = "";

    /// <summary>The reason given to the sender (never contains the secret).</summary>
    [MaxLength(300)]
    public string Reason { get; set; } = "";

    /// <summary>SHA-256 of the body, when it was read completely.</summary>
    [MaxLength(64)]
    public string? BodySha256 { get; set; }

    public long BodyLength { get; set; }

    /// <summary>The HTTP status answered.</summary>
    public int Status { get; set; }
}

/// <summary>Stable names of the checks a delivery can fail.</summary>
public static class WebhookRejectionChecks
{
    public const string NotConfigured = "not-configured";
    public const string TooLarge = "too-large";
    public const string MissingKey = "missing-key";
    public const string UnknownKey = "unknown-key";
    public const string MissingSignature = "missing-signature";
    public const string BadSignature = "bad-signature";
    public const string MalformedBody = "malformed-body";
}

internal sealed class WebhookRejectionConfiguration : IEntityTypeConfiguration<WebhookRejection>
{
    public void Configure(EntityTypeBuilder<WebhookRejection> e)
    {
        e.ToTable("WebhookRejections");
        e.HasIndex(r => r.ReceivedMs);
    }
}
