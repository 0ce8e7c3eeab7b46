using System.Diagnostics.Metrics;

namespace AdminConsole.Web.ChannelAuth;

/// <summary>The channel-auth feature's instruments (meter <c>AdminConsole.ChannelAuth</c>).</summary>
public sealed class ChannelAuthMetrics
{
    public const string MeterName = "AdminConsole.ChannelAuth";

    private readonly Counter<long> _decisions;

    public ChannelAuthMetrics(IMeterFactory meters) =>
        _decisions = meters.Create(MeterName).CreateCounter<long>("adminconsole.channel_auth.decisions", "{decision}",
            "/pusher/auth and /pusher/user-auth decisions, by kind (channel.auth, user.auth) and outcome.");

    public void Decided(AuthDecisionRecord decision) => _decisions.Add(1,
        new KeyValuePair<string, object?>("kind", decision.Kind),
        new KeyValuePair<string, object?>("outcome", decision.Outcome));
}
