using System.Net;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Live;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Web.Tests.Live;

/// <summary>
/// An open /hubs/console connection does not outlive its user's access: it closes at once when its session ends, and
/// within the cookie's check interval (a minute, on the stamp check's clock, faked here) when roles, lock or class
/// memberships change behind its back.
/// </summary>
public class ConnectionRevocationTests(ConnectionRevocationTests.FakeClockConsole console) : IClassFixture<ConnectionRevocationTests.FakeClockConsole>
{
    public sealed class FakeClockConsole : ConsoleFactory
    {
        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s =>
            {
                s.Configure<SecurityStampValidatorOptions>(o => o.TimeProvider = Time);
                s.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o => o.TimeProvider = Time);
            });
        }
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private TimeSpan Interval => console.Services.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value.ValidationInterval;

    [Fact]
    public async Task An_auditor_whose_roles_are_removed_and_account_locked_is_disconnected_within_the_check_interval()
    {
        var user = await console.CreateUserAsync("Auditor");
        var (connection, closed) = await ConnectAsync(user.Email!);
        var bystander = await ConnectAsync(DemoUser.Auditor.Email, DemoUser.Auditor.Password);

        // Straight through Identity, as a script or another process would: no session is ended, only the stamp renewed.
        await ChangeAsync(user.Id, async users =>
        {
            var stored = (await users.FindByIdAsync(user.Id))!;
            await users.RemoveFromRoleAsync(stored, "Auditor");
            await users.SetLockoutEndDateAsync(stored, DateTimeOffset.MaxValue);
            await users.UpdateSecurityStampAsync(stored);
        });
        console.Time.Advance(Interval + TimeSpan.FromSeconds(1));

        await Eventually.UntilAsync(() => closed.Task.IsCompleted, Patience, "the revoked auditor's connection closed");
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
        Assert.Equal(HubConnectionState.Connected, bystander.Connection.State);
        await connection.DisposeAsync();
        await bystander.Connection.DisposeAsync();
    }

    [Fact]
    public async Task Locking_an_account_on_the_users_page_closes_its_connections_at_once()
    {
        var user = await console.CreateUserAsync("Auditor");
        var (connection, closed) = await ConnectAsync(user.Email!);
        var admin = await console.SignInAsync(DemoUser.Admin);

        var response = await admin.PostFormAsync($"/Users/Details/{user.Id}?handler=Lock", [], formPageUrl: $"/Users/Details/{user.Id}");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        // No clock advance: the session's end closes the connection.
        await Eventually.UntilAsync(() => closed.Task.IsCompleted, Patience, "the locked user's connection closed");
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task A_teacher_removed_from_a_class_loses_the_connection_that_carried_its_updates_and_reconnects_without_them()
    {
        var user = await console.CreateUserAsync("Teacher");
        var classId = await console.QueryAsync(async db => (await db.Classes.SingleAsync(c => c.Name == "Physics 7A")).Id);
        await console.QueryAsync(async db =>
        {
            db.ClassMemberships.Add(new ClassMembership { ClassId = classId, UserId = user.Id, Role = ClassRole.Teacher, AddedUtc = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        var (connection, closed) = await ConnectAsync(user.Email!);
        var connections = console.Services.GetRequiredService<ConsoleConnections>();

        await connections.RecheckAsync(); // nothing changed: the connection stands
        Assert.False(closed.Task.IsCompleted);

        await console.QueryAsync(db => db.ClassMemberships.Where(m => m.ClassId == classId && m.UserId == user.Id).ExecuteDeleteAsync());
        console.Services.GetRequiredService<AdminConsole.Web.Memberships.MembershipCache>().InvalidateAll();
        console.Time.Advance(Interval + TimeSpan.FromSeconds(1));

        await Eventually.UntilAsync(() => closed.Task.IsCompleted, Patience, "the teacher's connection closed");
        await connection.DisposeAsync();
    }

    private async Task ChangeAsync(string userId, Func<UserManager<AppUser>, Task> change)
    {
        await using var scope = console.Services.CreateAsyncScope();
        await change(scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>());
    }

    private async Task<(HubConnection Connection, TaskCompletionSource Closed)> ConnectAsync(string email, string password = "Throwaway-pw-123")
    {
        var cookies = new CookieContainerHandler();
        var client = console.CreateDefaultClient(cookies);
        var login = await client.PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.RememberMe"] = "false",
        });
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(console.Server.BaseAddress, "/hubs/console"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => new CookieContainerHandler(cookies.Container) { InnerHandler = console.Server.CreateHandler() };
            })
            .Build();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        // StartAsync returns after the handshake, before the hub's OnConnectedAsync has registered the connection and
        // its groups: a membership change saved in between would be read by neither that registration nor the re-check
        // the test triggers. Joined is sent once the registration is done.
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On(nameof(IConsoleClient.Joined), () => joined.TrySetResult());
        await connection.StartAsync();
        await joined.Task.WaitAsync(Patience);
        return (connection, closed);
    }
}
