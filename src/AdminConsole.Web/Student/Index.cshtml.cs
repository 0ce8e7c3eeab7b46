using System.Security.Claims;
using System.Text.Json.Serialization;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Pusher;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Student;

/// <summary>
/// The student's page: the channels they may join, as <c>/pusher/auth</c> decides them (public, their own
/// private-user channel and the channels of the classes they are enrolled in). The subscribing is done by
/// pusher-js in wwwroot/js/student.js; this only says which channels and how to name them.
/// </summary>
public class IndexModel(AppDbContext db, PusherApp pusher, PusherClientSettings settings) : PageModel
{
    public sealed record ClassView(
        [property: JsonPropertyName("id")] int Id,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("teachers")] IReadOnlyList<string> Teachers,
        [property: JsonPropertyName("privateChannel")] string PrivateChannel,
        [property: JsonPropertyName("presenceChannel")] string PresenceChannel,
        [property: JsonPropertyName("encryptedChannel")] string? EncryptedChannel);

    public sealed record StudentChannels(
        [property: JsonPropertyName("userId")] string UserId,
        [property: JsonPropertyName("publicChannel")] string PublicChannel,
        [property: JsonPropertyName("userChannel")] string UserChannel,
        [property: JsonPropertyName("classes")] IReadOnlyList<ClassView> Classes);

    public StudentChannels Channels { get; private set; } = null!;

    /// <summary>False when the console has no Channels service at all (local mode off, no Pusher app).</summary>
    public bool CanConnect => settings.Client is not null;

    public async Task OnGetAsync(CancellationToken ct)
    {
        // The signed-in user's own id, never one from the request.
        var userId = User.FindFirstValue(ClaimTypes.NameIdentifier)!;
        var classes = await db.ClassMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.Role == ClassRole.Student && !m.Class!.Archived)
            .Select(m => new
            {
                m.ClassId,
                m.Class!.Name,
                Teachers = m.Class.Members.Where(t => t.Role == ClassRole.Teacher).Select(t => t.User!.DisplayName).ToList(),
            })
            .ToListAsync(ct);

        Channels = new StudentChannels(
            userId,
            ChannelNames.Public,
            ChannelNames.PrivateUser(userId),
            classes
                .OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase)
                .Select(c => new ClassView(c.ClassId, c.Name, c.Teachers.Order(StringComparer.CurrentCultureIgnoreCase).ToList(),
                    ChannelNames.PrivateClass(c.ClassId), ChannelNames.PresenceClass(c.ClassId),
                    pusher.HasEncryptionKey ? ChannelNames.PrivateEncryptedClass(c.ClassId) : null))
                .ToList());
    }
}
