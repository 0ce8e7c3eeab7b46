using AdminConsole.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace AdminConsole.Web.Live;

/// <summary>
/// MINIMAL stand-in written by the event log branch until the webhooks branch's ConsoleHub lands (keep theirs at
/// merge; the log only needs the "activity" group for Admin/Auditor and the client method ActivityAppended).
/// </summary>
[Authorize]
public class ConsoleHub : Hub
{
    public const string ActivityGroup = "activity";

    public override async Task OnConnectedAsync()
    {
        // Groups are not a security boundary by themselves: join only who may read the log. Rejoined on every
        // connection, because membership does not survive a reconnect.
        if (Context.User is { } user && (user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Auditor)))
            await Groups.AddToGroupAsync(Context.ConnectionId, ActivityGroup);
        await base.OnConnectedAsync();
    }
}

public static class LiveSetup
{
    public static void AddLive(this WebApplicationBuilder builder) => builder.Services.AddSignalR();

    public static void MapLive(this WebApplication app) => app.MapHub<ConsoleHub>("/hubs/console");
}
