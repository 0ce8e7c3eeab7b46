using System.Collections.Concurrent;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Live;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.SignalR.Client;

namespace AdminConsole.Web.Tests.EventLog;

public class LiveFeedTests(LiveFeedTests.Factory factory) : IClassFixture<LiveFeedTests.Factory>
{
    public sealed class Factory : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("EventLog:FeedInterval", "00:00:00.100")];
    }

    private async Task<(HubConnection Connection, ConcurrentQueue<ActivityView> Received)> ConnectAsync(DemoUser user)
    {
        var cookies = new CookieContainerHandler();
        var client = factory.CreateDefaultClient(cookies);
        var login = await client.PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = user.Email,
            ["Input.Password"] = user.Password,
            ["Input.RememberMe"] = "false",
        });
        Assert.Equal(System.Net.HttpStatusCode.Redirect, login.StatusCode);

        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, "/hubs/console"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => new CookieContainerHandler(cookies.Container) { InnerHandler = factory.Server.CreateHandler() };
            })
            .Build();
        var received = new ConcurrentQueue<ActivityView>();
        connection.On<ActivityBatch>(nameof(IConsoleClient.ActivityAppended), batch =>
        {
            foreach (var entry in batch.Entries) received.Enqueue(entry);
        });
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On(nameof(IConsoleClient.Joined), () => joined.TrySetResult());
        await connection.StartAsync();
        // StartAsync returns at the handshake, before the hub has put the connection in its groups.
        await joined.Task.WaitAsync(TimeSpan.FromSeconds(15));
        return (connection, received);
    }

    [Fact]
    public async Task New_entries_are_pushed_to_auditors_and_admins_but_not_to_teachers()
    {
        var (auditor, toAuditor) = await ConnectAsync(DemoUser.Auditor);
        var (admin, toAdmin) = await ConnectAsync(DemoUser.Admin);
        var (teacher, toTeacher) = await ConnectAsync(DemoUser.Teacher);
        await using var _ = auditor;
        await using var __ = admin;
        await using var ___ = teacher;

        var written = await factory.WriteAsync(2, i => (AuditKinds.ChannelAuth, "private-class-1", null, "refused", $"{{\"live\":{i}}}"));
        var ids = written.Select(e => e.Id).ToList();

        await Eventually.UntilAsync(() => ids.All(id => toAuditor.Any(e => e.Id == id)) && ids.All(id => toAdmin.Any(e => e.Id == id)),
            TimeSpan.FromSeconds(15), "both entries pushed to the auditor and the admin");

        var first = toAuditor.Single(e => e.Id == ids[0]);
        Assert.Equal("channel.auth", first.Kind);
        Assert.Equal("private-class-1", first.Channel);
        Assert.Equal("refused", first.Outcome);
        Assert.Equal("{\"live\":0}", first.Data);
        Assert.Equal(DateTimeKind.Utc, first.TimeUtc.Kind);
        // Pushed in chain order, and nothing to a teacher, who may not read the log.
        Assert.Equal(ids, toAuditor.Select(e => e.Id).Where(ids.Contains));
        Assert.Empty(toTeacher);
    }
}
