using Microsoft.Extensions.Options;

namespace AdminConsole.Channels;

/// <summary>Credentials and endpoint of one Pusher Channels app.</summary>
public sealed class ChannelsOptions
{
    /// <summary>The app id (numeric string from the Pusher dashboard).</summary>
    public string AppId { get; set; } = string.Empty;

    /// <summary>The app key (public).</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>The app secret; never logged or put in messages.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>Cluster used to build the host <c>api-{cluster}.pusher.com</c> when <see cref="Host"/> is not set.</summary>
    public string Cluster { get; set; } = "mt1";

    /// <summary>Explicit API host (e.g. <c>127.0.0.1</c> for a local server); overrides <see cref="Cluster"/>.</summary>
    public string? Host { get; set; }

    /// <summary>Explicit API port; default is the scheme's port.</summary>
    public int? Port { get; set; }

    /// <summary><c>https</c> (default) or <c>http</c>.</summary>
    public string Scheme { get; set; } = "https";

    /// <summary>Base64 of the 32-byte master key for <c>private-encrypted-</c> channels; optional.</summary>
    public string? EncryptionMasterKeyBase64 { get; set; }

    /// <summary>Time allowed for one API request before it counts as unreachable.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The base address of the HTTP API: explicit host/port/scheme, else <c>https://api-{cluster}.pusher.com</c>.</summary>
    public Uri GetBaseAddress()
    {
        var scheme = string.IsNullOrWhiteSpace(Scheme) ? "https" : Scheme.Trim().ToLowerInvariant();
        var host = string.IsNullOrWhiteSpace(Host) ? $"api-{(string.IsNullOrWhiteSpace(Cluster) ? "mt1" : Cluster.Trim())}.pusher.com" : Host.Trim();
        var builder = new UriBuilder(scheme, host) { Port = Port ?? -1 };
        return builder.Uri;
    }

    /// <summary>The decoded master key, or null when none is configured.</summary>
    /// <exception cref="ChannelsValidationException">The key is not base64 of exactly 32 bytes.</exception>
    public byte[]? GetMasterKey() =>
        string.IsNullOrWhiteSpace(EncryptionMasterKeyBase64) ? null : ChannelEncryption.ParseMasterKey(EncryptionMasterKeyBase64);

    /// <summary>Every problem with these options (empty list when valid); never includes secret values.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(AppId)) problems.Add("AppId is required.");
        if (string.IsNullOrWhiteSpace(Key)) problems.Add("Key is required.");
        if (string.IsNullOrWhiteSpace(Secret)) problems.Add("Secret is required.");
        if (Key.Contains(':', StringComparison.Ordinal)) problems.Add("Key must not contain ':'.");
        var scheme = Scheme?.Trim().ToLowerInvariant();
        if (scheme is not ("http" or "https")) problems.Add($"Scheme must be http or https, not {ChannelsValidationException.Show(Scheme)}.");
        if (string.IsNullOrWhiteSpace(Host))
        {
            if (string.IsNullOrWhiteSpace(Cluster)) problems.Add("Cluster is required when Host is not set.");
            else if (!Cluster.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) problems.Add($"Cluster {ChannelsValidationException.Show(Cluster)} may contain only letters, digits and '-'.");
        }
        else if (Uri.CheckHostName(Host.Trim()) == UriHostNameType.Unknown)
        {
            problems.Add($"Host {ChannelsValidationException.Show(Host)} is not a valid host name.");
        }
        if (Port is < 1 or > 65535) problems.Add($"Port {Port} is outside 1-65535.");
        if (Timeout <= TimeSpan.Zero) problems.Add("Timeout must be positive.");
        if (!string.IsNullOrWhiteSpace(EncryptionMasterKeyBase64) && !ChannelEncryption.TryParseMasterKey(EncryptionMasterKeyBase64, out _, out var keyError))
        {
            problems.Add("EncryptionMasterKeyBase64: " + keyError);
        }
        return problems;
    }

    /// <summary>No app id, key or secret is set at all.</summary>
    public bool IsUnconfigured => string.IsNullOrWhiteSpace(AppId) && string.IsNullOrWhiteSpace(Key) && string.IsNullOrWhiteSpace(Secret);

    /// <summary>Throws <see cref="ChannelsValidationException"/> listing every problem, if any.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0) throw new ChannelsValidationException("Pusher", "Invalid Channels options: " + string.Join(" ", problems));
    }
}

/// <summary>Options validator that refuses invalid <see cref="ChannelsOptions"/> at start (with <c>ValidateOnStart</c>).</summary>
public sealed class ChannelsOptionsValidator : IValidateOptions<ChannelsOptions>
{
    /// <summary>
    /// Accept options with no app id, key and secret at all (an app that runs with Channels unconfigured and checks
    /// <see cref="ChannelsOptions.IsUnconfigured"/>); options with some credentials must still be complete and valid.
    /// </summary>
    public bool AllowUnconfigured { get; init; }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ChannelsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (AllowUnconfigured && options.IsUnconfigured) return ValidateOptionsResult.Success;
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
