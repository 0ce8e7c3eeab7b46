using System.Security.Claims;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace AdminConsole.Web.Live;

/// <summary>
/// The console's live channel at /hubs/console. Clients only listen (see <see cref="IConsoleClient"/>); what
/// they hear is decided here, server-side, from roles and class memberships on every connect: groups are lost on
/// reconnect, and a group name is not a permission, so membership is recomputed rather than trusted. What a
/// connection was given is registered with <see cref="ConsoleConnections"/>, which closes it when that no longer holds.
/// </summary>
[Authorize(Policy = Policies.Console)]
public sealed class ConsoleHub(MembershipCache memberships, ConsoleConnections connections) : Hub<IConsoleClient>
{
    /// <summary>Admins and auditors (the event log's live feed sends ActivityAppended here).</summary>
    public const string ActivityGroup = ConsoleGroups.AllActivity;

    public override async Task OnConnectedAsync()
    {
        // The snapshot, not the cookie's roles: it is never older than the last saved change (or a minute), the same
        // source the re-checks compare against, so a connection is never closed for a difference that was always there.
        var snapshot = await memberships.GetAsync(Context.ConnectionAborted);
        var groups = ConsoleConnections.GroupsOf(snapshot.Find(Context.User!.FindFirstValue(ClaimTypes.NameIdentifier)), snapshot);
        if (groups.Count == 0)
        {
            Context.Abort();
            return;
        }
        foreach (var group in groups)
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        connections.Opened(Context, groups);
        await base.OnConnectedAsync();
        await Clients.Caller.Joined();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Closed(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>Hub group names and which class a channel belongs to.</summary>
public static partial class ConsoleGroups
{
    /// <summary>Every console user: dashboard figures.</summary>
    public const string Everyone = "console";

    /// <summary>Admins and auditors: everything.</summary>
    public const string AllActivity = "activity";

    /// <summary>The teachers of one class: that class's channels.</summary>
    public static string Class(int classId) => "class-" + classId;

    /// <summary>private-class-{id}, presence-class-{id}, private-encrypted-class-{id} (and their cache- forms) belong to class {id}.</summary>
    public static bool TryGetClassId(string? channel, out int classId) => ChannelNames.TryParseClass(channel, out classId);
}
