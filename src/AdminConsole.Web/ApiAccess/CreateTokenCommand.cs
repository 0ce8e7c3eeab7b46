using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.ApiAccess;

/// <summary>
/// <c>create-token --email teacher@school.example --name "timetable sync" [--expires-days 90]</c>: creates an API
/// token for an existing admin or teacher, for scripts. The token is printed alone on the last line (so
/// <c>| tail -n 1</c> captures it) and never again. Exit codes as <c>create-admin</c>: 0, 1 on failure, 64 on usage.
/// </summary>
public static class CreateTokenCommand
{
    public const string Verb = "create-token";

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Verb;

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, CommandConsole console)
    {
        if (!TryParse(args, out var email, out var name, out var expiresDays, out var usage))
        {
            console.Error.WriteLine(usage);
            console.Error.WriteLine($"Usage: dotnet run --project src/AdminConsole.Web -- {Verb} --email you@school.example --name \"what uses it\" [--expires-days N]");
            return CreateAdminCommand.UsageError;
        }

        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Database.MigrateAsync();
            var owner = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
            if (owner is null)
            {
                console.Error.WriteLine($"There is no account {email}; nothing changed.");
                return CreateAdminCommand.Failed;
            }

            // The command line acts as the system, on the owner's behalf.
            var (created, error) = await scope.ServiceProvider.GetRequiredService<ApiTokens>()
                .CreateAsync(Actor.System, owner, name, expiresDays);
            if (created is null)
            {
                console.Error.WriteLine($"No token created: {error}");
                return CreateAdminCommand.Failed;
            }

            var token = created.Token;
            console.Out.WriteLine($"Created API token \"{token.Name}\" ({token.Prefix}…) for {owner.Email}, " +
                (token.ExpiresUtc is { } e ? $"expiring {e:yyyy-MM-dd HH:mm} UTC." : "without expiry."));
            console.Out.WriteLine("It is shown only now; send it as `Authorization: Bearer <token>` to /realtime/trigger:");
            console.Out.WriteLine(created.Secret);
            return CreateAdminCommand.Ok;
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            console.Error.WriteLine($"{Verb} failed: {e.GetBaseException().Message}");
            return CreateAdminCommand.Failed;
        }
    }

    private static bool TryParse(IReadOnlyList<string> args, out string email, out string name, out int? expiresDays, out string error)
    {
        email = ""; name = ""; expiresDays = null; error = "";
        for (var i = 1; i < args.Count; i++)
        {
            var (key, value) = args[i].Split('=', 2) is [var k, var v] ? (k, (string?)v) : (args[i], i + 1 < args.Count ? args[++i] : null);
            switch (key)
            {
                case "--email" when !string.IsNullOrWhiteSpace(value): email = value.Trim(); break;
                case "--name" when !string.IsNullOrWhiteSpace(value): name = value.Trim(); break;
                case "--expires-days" when int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days)
                                           && days is >= 1 and <= ApiTokens.MaxExpiresDays:
                    expiresDays = days; break;
                case "--expires-days": error = $"--expires-days needs a whole number of days from 1 to {ApiTokens.MaxExpiresDays}."; return false;
                case "--email" or "--name": error = $"{key} needs a value."; return false;
                default: error = $"Unknown argument: {key}"; return false;
            }
        }
        if (email.Length == 0) { error = "--email is required."; return false; }
        if (name.Length == 0) { error = "--name is required (what will use the token)."; return false; }
        return true;
    }
}
