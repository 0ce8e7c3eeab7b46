using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Pusher;

/// <summary>
/// The "Pusher" configuration section. The seed's PUSHER_ENABLED, PUSHER_APP_ID, PUSHER_KEY, PUSHER_SECRET and
/// PUSHER_CLUSTER environment variables map onto it (see <see cref="PusherSetup"/>).
/// </summary>
public sealed class PusherOptions : IValidatableObject
{
    public const string Section = "Pusher";

    /// <summary>False: nothing is sent to Pusher (sends are recorded as "not sent", triggers answer 503).</summary>
    public bool Enabled { get; set; } = true;

    public string? AppId { get; set; }
    public string? Key { get; set; }
    public string? Secret { get; set; }
    public string Cluster { get; set; } = "mt1";

    /// <summary>An explicit API host (e.g. a local Pusher-protocol server) instead of api-{cluster}.pusher.com.</summary>
    public string? Host { get; set; }
    public int? Port { get; set; }
    public string Scheme { get; set; } = "https";

    /// <summary>32 bytes, base64: enables private-encrypted-* channels.</summary>
    public string? EncryptionMasterKeyBase64 { get; set; }

    /// <summary>HTTP API timeout; Pusher answers in milliseconds, so a stuck call should fail fast.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>True when app id, key and secret are all set.</summary>
    public bool HasCredentials => !string.IsNullOrWhiteSpace(AppId) && !string.IsNullOrWhiteSpace(Key) && !string.IsNullOrWhiteSpace(Secret);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var given = new[] { AppId, Key, Secret }.Count(v => !string.IsNullOrWhiteSpace(v));
        if (given is > 0 and < 3)
            yield return new ValidationResult("Pusher AppId, Key and Secret must be set together (PUSHER_APP_ID, PUSHER_KEY, PUSHER_SECRET).",
                [nameof(AppId), nameof(Key), nameof(Secret)]);
        if (Scheme is not ("http" or "https"))
            yield return new ValidationResult("Pusher Scheme must be http or https.", [nameof(Scheme)]);
        if (Port is < 1 or > 65535)
            yield return new ValidationResult("Pusher Port must be between 1 and 65535.", [nameof(Port)]);
        if (!string.IsNullOrEmpty(EncryptionMasterKeyBase64) && !IsThirtyTwoBytes(EncryptionMasterKeyBase64))
            // Never echo the key itself.
            yield return new ValidationResult("Pusher EncryptionMasterKeyBase64 must be exactly 32 bytes encoded as base64.", [nameof(EncryptionMasterKeyBase64)]);
    }

    private static bool IsThirtyTwoBytes(string base64)
    {
        Span<byte> buffer = stackalloc byte[48];
        return Convert.TryFromBase64String(base64, buffer, out var written) && written == 32;
    }
}
