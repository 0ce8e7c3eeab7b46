using System.Security.Claims;
using System.Text.RegularExpressions;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Live;

/// <summary>
/// The console's live channel at /hubs/console. Clients only listen (see <see cref="IConsoleClient"/>); what
/// they hear is decided here, server-side, from roles and the class table on every connect: groups are lost on
/// reconnect, and a group name is not a permission, so membership is recomputed rather than trusted.
/// </summary>
[Authorize(Policy = Policies.Console)]
public sealed class ConsoleHub(AppDbContext db) : Hub<IConsoleClient>
{
    /// <summary>Admins and auditors (the event log's live feed sends ActivityAppended here).</summary>
    public const string ActivityGroup = ConsoleGroups.AllActivity;

    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        await Groups.AddToGroupAsync(Context.ConnectionId, ConsoleGroups.Everyone);
        if (user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Auditor))
            await Groups.AddToGroupAsync(Context.ConnectionId, ConsoleGroups.AllActivity);
        else if (user.IsInRole(Roles.Teacher))
        {
            var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
            var classIds = await db.ClassMemberships
                .Where(m => m.UserId == userId && m.Role == ClassRole.Teacher && !m.Class!.Archived)
                .Select(m => m.ClassId)
                .ToListAsync(Context.ConnectionAborted);
            foreach (var id in classIds)
                await Groups.AddToGroupAsync(Context.ConnectionId, ConsoleGroups.Class(id));
        }
        await base.OnConnectedAsync();
        await Clients.Caller.Joined();
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
    public static bool TryGetClassId(string? channel, out int classId)
    {
        classId = 0;
        if (channel is null) return false;
        var m = ClassChannel().Match(channel);
        return m.Success && int.TryParse(m.Groups[1].ValueSpan, out classId);
    }

    [GeneratedRegex(@"^(?:private-|presence-|private-encrypted-)(?:cache-)?class-([0-9]{1,9})$", RegexOptions.CultureInvariant)]
    private static partial Regex ClassChannel();
}
