using System.ComponentModel.DataAnnotations;
using System.Net;

namespace AdminConsole.Web.Transport;

/// <summary>
/// Which reverse proxies may tell the console the client's address and scheme (section "ForwardedHeaders").
/// Only these are believed: anyone else's X-Forwarded-For would let a caller pick the address that rate limits
/// and the event log see. Empty lists keep ASP.NET Core's default, the loopback proxy only.
/// </summary>
public sealed class ForwardedHeadersSettings : IValidatableObject
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>10.0.0.0/8</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may append to X-Forwarded-For.</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
            yield return new($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        foreach (var network in KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
            yield return new($"ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR notation (e.g. 10.0.0.0/8).", [nameof(KnownNetworks)]);
    }
}
