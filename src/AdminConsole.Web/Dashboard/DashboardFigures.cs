namespace AdminConsole.Web.Dashboard;

/// <summary>The dashboard's figures; also sent live to every console user after each change.</summary>
public sealed record DashboardFigures(int OccupiedChannels, int PresenceMembersOnline, long WebhookEventsToday, long? LastWebhookMs, int KnownChannels);
