using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// The "Redis" configuration section. Empty <see cref="Configuration"/> (the default): no Redis, one instance's live
/// pages and change signals stay in its process (or go through PostgreSQL, see <see cref="ClusterSignal"/>). Set: the
/// SignalR backplane and the change signal between instances use this Redis.
/// </summary>
public sealed class RedisOptions : IValidatableObject
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis.internal:6379,password=…,ssl=true</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Put before every Redis channel the console uses (SignalR's and the change signal's), so several consoles (one
    /// per school) can share one Redis without hearing each other. Every instance of one console must use the same.
    /// </summary>
    [Required, RegularExpression("^[A-Za-z0-9_.:-]{1,64}$", ErrorMessage = "Redis ChannelPrefix must be 1 to 64 letters, digits or _ . : -")]
    public string ChannelPrefix { get; set; } = "AdminConsole";

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
            yield break;
        string? problem = null;
        try
        {
            ConfigurationOptions.Parse(Configuration!);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // The parser's message can quote the option it choked on, a password included: name the setting, never its value.
            problem = "Redis Configuration is not a StackExchange.Redis configuration string (host:port[,option=value...]).";
        }
        if (problem is not null)
            yield return new ValidationResult(problem, [nameof(Configuration)]);
    }

    /// <summary>The parsed configuration, set so a Redis that is down at start (or later) is retried rather than fatal.</summary>
    public ConfigurationOptions Parse()
    {
        var options = ConfigurationOptions.Parse(Configuration!);
        options.AbortOnConnectFail = false;
        options.ClientName ??= "AdminConsole";
        return options;
    }
}
