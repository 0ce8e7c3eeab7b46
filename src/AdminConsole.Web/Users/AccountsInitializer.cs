using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Users;

/// <summary>
/// Runs before the server accepts requests, after the database initializer has migrated: creates the roles, and in
/// Development seeds the demo accounts and classes. Under the <see cref="LeaseName"/> lease: instances starting at
/// once on one database take turns, so the second finds the roles the first created instead of inserting them
/// again and failing its start on the unique role name.
/// </summary>
internal sealed partial class AccountsInitializer(
    IServiceProvider services,
    Leases leases,
    IHostEnvironment environment,
    IOptions<DemoSeedOptions> demo,
    TimeProvider time,
    ILogger<AccountsInitializer> logger) : IHostedService
{
    public const string LeaseName = "accounts-initializer";

    /// <summary>Far longer than the seeding takes (tens of milliseconds), short enough that a crashed start does not hold the next one up for long.</summary>
    private static readonly TimeSpan s_leaseDuration = TimeSpan.FromSeconds(30);

    public Task StartAsync(CancellationToken cancellationToken) =>
        leases.WhileHoldingAsync(LeaseName, s_leaseDuration, InitializeAsync, cancellationToken);

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await Roles.EnsureRolesAsync(scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>());

        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        if (environment.IsDevelopment())
            await SeedDemoAsync(db, users, cancellationToken);

        if ((await users.GetUsersInRoleAsync(Roles.Admin)).Count == 0)
            LogNoAdmin(logger);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedDemoAsync(AppDbContext db, UserManager<AppUser> users, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var u in demo.Value.Users)
        {
            if (await users.FindByEmailAsync(u.Email) is not null) continue;
            var user = new AppUser { UserName = u.Email, Email = u.Email, EmailConfirmed = true, DisplayName = u.DisplayName, CreatedUtc = now };
            var created = await users.CreateAsync(user, u.Password);
            if (!created.Succeeded)
                throw new InvalidOperationException($"Demo user {u.Email}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            await users.AddToRoleAsync(user, u.Role);
        }

        foreach (var c in demo.Value.Classes)
        {
            if (await db.Classes.AnyAsync(x => x.Name == c.Name, ct)) continue;
            var cls = new SchoolClass { Name = c.Name, CreatedUtc = now };
            foreach (var (emails, role) in new[] { (c.Teachers, ClassRole.Teacher), (c.Students, ClassRole.Student) })
                foreach (var email in emails)
                    if (await users.FindByEmailAsync(email) is { } member)
                        cls.Members.Add(new ClassMembership { UserId = member.Id, Role = role, AddedUtc = now });
            db.Classes.Add(cls);
        }
        await db.SaveChangesAsync(ct);
        LogSeeded(logger, demo.Value.Users.Count, demo.Value.Classes.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No user has the Admin role. Create the first one with: dotnet run --project src/AdminConsole.Web -- create-admin --email you@school.example (password from ADMINCONSOLE_ADMIN_PASSWORD or a prompt).")]
    private static partial void LogNoAdmin(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Development demo data ensured: {Users} accounts, {Classes} classes.")]
    private static partial void LogSeeded(ILogger logger, int users, int classes);
}
