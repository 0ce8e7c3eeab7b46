using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Users;

/// <summary>
/// <c>create-admin --email you@school.example [--name "Your Name"]</c>: creates the first administrator outside
/// Development, where nothing is seeded and there is no default password. The password comes from
/// ADMINCONSOLE_ADMIN_PASSWORD or an interactive prompt without echo, never from the command line (shell history).
/// </summary>
public static class CreateAdminCommand
{
    public const string Verb = "create-admin";
    public const string PasswordVariable = "ADMINCONSOLE_ADMIN_PASSWORD";

    public const int Ok = 0, UsageError = 64, Failed = 1;

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Verb;

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, CommandConsole console)
    {
        if (!TryParse(args, out var email, out var name, out var usage))
        {
            console.Error.WriteLine(usage);
            console.Error.WriteLine($"Usage: dotnet run --project src/AdminConsole.Web -- {Verb} --email you@school.example [--name \"Your Name\"]");
            console.Error.WriteLine($"The password is read from {PasswordVariable}, or prompted for when it is not set.");
            return UsageError;
        }

        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            // The command may be the very first thing run against a new database.
            await db.Database.MigrateAsync();
            await Roles.EnsureRolesAsync(scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>());

            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            if (await users.FindByEmailAsync(email) is { } existing)
            {
                var isAdmin = await users.IsInRoleAsync(existing, Roles.Admin);
                console.Error.WriteLine(isAdmin
                    ? $"{email} already exists and is an administrator; nothing changed."
                    : $"{email} already exists. An administrator can give it the Admin role on the Users page; nothing changed.");
                return Failed;
            }

            var password = console.GetEnvironmentVariable(PasswordVariable);
            if (string.IsNullOrEmpty(password))
            {
                password = console.ReadSecret($"Password for {email}: ");
                var again = console.ReadSecret("Repeat the password: ");
                if (string.IsNullOrEmpty(password))
                {
                    console.Error.WriteLine($"No password given. Set {PasswordVariable} or type one at the prompt.");
                    return Failed;
                }
                if (password != again)
                {
                    console.Error.WriteLine("The passwords do not match; nothing changed.");
                    return Failed;
                }
            }

            // The command line acts as the system: there is no signed-in user yet.
            var system = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, Actor.System.Name)]));
            var administration = scope.ServiceProvider.GetRequiredService<UserAdministration>();
            var result = await administration.CreateAsync(system, new NewAccount(email, name ?? email, [Roles.Admin], password,
                // The operator typed (or set) the password for the account they are about to use: it is already theirs.
                MustChangePassword: false));
            if (!result.Succeeded)
            {
                console.Error.WriteLine($"Could not create {email}:");
                foreach (var error in result.Errors)
                    console.Error.WriteLine("  " + error.Description);
                return Failed;
            }

            var dataSource = db.Database.GetDbConnection().DataSource;
            console.Out.WriteLine($"Created administrator {email} (\"{name ?? email}\") in {dataSource}.");
            console.Out.WriteLine("Start the console and sign in with this email and password.");
            return Ok;
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            console.Error.WriteLine($"create-admin failed: {e.GetBaseException().Message}");
            return Failed;
        }
    }

    private static bool TryParse(IReadOnlyList<string> args, out string email, out string? name, out string error)
    {
        email = ""; name = null; error = "";
        for (var i = 1; i < args.Count; i++)
        {
            var (key, value) = args[i].Split('=', 2) is [var k, var v] ? (k, (string?)v) : (args[i], i + 1 < args.Count ? args[++i] : null);
            switch (key)
            {
                case "--email" when !string.IsNullOrWhiteSpace(value): email = value.Trim(); break;
                case "--name" when !string.IsNullOrWhiteSpace(value): name = value.Trim(); break;
                case "--email" or "--name": error = $"{key} needs a value."; return false;
                default: error = $"Unknown argument: {key}"; return false;
            }
        }
        if (email.Length == 0) { error = "--email is required."; return false; }
        if (!new EmailAddressAttribute().IsValid(email)) { error = $"Not an email address: {email}"; return false; }
        return true;
    }
}

/// <summary>The console the command talks to; tests replace it.</summary>
public sealed record CommandConsole(TextWriter Out, TextWriter Error, Func<string, string?> GetEnvironmentVariable, Func<string, string?> ReadSecret)
{
    public static CommandConsole System { get; } = new(Console.Out, Console.Error, Environment.GetEnvironmentVariable, ReadSecretFromConsole);

    private static string? ReadSecretFromConsole(string prompt)
    {
        Console.Error.Write(prompt);
        if (Console.IsInputRedirected)
            return Console.In.ReadLine(); // piped: `printf 'pw\npw\n' | dotnet run ... create-admin ...`

        var secret = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true); // no echo
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (secret.Length > 0) secret.Length--; continue; }
            if (!char.IsControl(key.KeyChar)) secret.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return secret.ToString();
    }
}
