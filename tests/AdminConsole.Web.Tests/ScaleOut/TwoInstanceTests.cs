using System.Diagnostics;
using System.Net;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.Web.Live;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace AdminConsole.Web.Tests.ScaleOut;

/// <summary>
/// What several instances behind one address must agree on, with two real console processes on one database: a
/// cookie from one is accepted by the other, a session ended on one ends on the other, and a membership or role
/// change saved on one refuses channel authorization on the other within a second (the change signal: Redis pub/sub,
/// or PostgreSQL LISTEN/NOTIFY without Redis). Written once, run with and without Redis.
/// </summary>
public abstract class TwoInstanceTests<TConsoles>(TConsoles consoles, ITestOutputHelper output) : IClassFixture<TConsoles> where TConsoles : ScaleOutConsoles
{
    /// <summary>Issue 13's bound: a change saved on one instance is in force on every other within a second.</summary>
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);

    protected TConsoles Consoles => consoles;

    [Fact]
    public async Task A_cookie_issued_by_A_is_accepted_by_B_and_signing_out_on_B_ends_it_on_A()
    {
        var cookie = await ScaleOutConsoles.SignInAsync(consoles.A, DemoUser.Auditor);
        using var onA = ScaleOutConsoles.Client(consoles.A, cookie);
        using var onB = ScaleOutConsoles.Client(consoles.B, cookie);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/EventLog")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/EventLog")).StatusCode);

        var signOut = await onB.PostFormAsync("/Identity/Account/Logout", [], formPageUrl: "/");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        var saved = Stopwatch.StartNew();
        await Eventually.UntilAsync(async () => (await onA.GetAsync("/EventLog")).StatusCode == HttpStatusCode.Redirect, Propagation,
            "A to refuse the session B ended");
        Assert.True(saved.Elapsed < Propagation, $"took {saved.ElapsedMilliseconds} ms");
        output.WriteLine($"in force on A {saved.Elapsed.TotalMilliseconds:0} ms after B's response");
    }

    [Fact]
    public async Task A_class_membership_removed_on_B_refuses_channel_auth_on_A_within_a_second()
    {
        var classId = await consoles.QueryAsync<int>("""SELECT "Id" FROM "Classes" WHERE "Name" = 'Physics 7A'""");
        var studentId = await consoles.QueryAsync<string>("""SELECT "Id" FROM "AspNetUsers" WHERE "Email" = $1""", DemoUser.Student.Email);
        using var student = ScaleOutConsoles.Client(consoles.A, await ScaleOutConsoles.SignInAsync(consoles.A, DemoUser.Student));
        Assert.Equal(HttpStatusCode.OK, await AuthorizeAsync(student, $"private-class-{classId}"));

        using var admin = ScaleOutConsoles.Client(consoles.B, await ScaleOutConsoles.SignInAsync(consoles.B, DemoUser.Admin));
        var page = $"/Classes/Details/{classId}";
        var removed = await admin.PostFormAsync(page + "?handler=RemoveMember", new() { ["userId"] = studentId }, formPageUrl: page);
        var saved = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);

        await Eventually.UntilAsync(async () => await AuthorizeAsync(student, $"private-class-{classId}") == HttpStatusCode.Forbidden,
            Propagation, "A to refuse the class channel of the student B removed from the class");
        Assert.True(saved.Elapsed < Propagation, $"took {saved.ElapsedMilliseconds} ms");
        output.WriteLine($"in force on A {saved.Elapsed.TotalMilliseconds:0} ms after B's response");
    }

    [Fact]
    public async Task A_role_change_saved_on_B_refuses_channel_auth_on_A_within_a_second()
    {
        var studentId = await consoles.QueryAsync<string>("""SELECT "Id" FROM "AspNetUsers" WHERE "Email" = $1""", DemoUser.OtherStudent.Email);
        using var student = ScaleOutConsoles.Client(consoles.A, await ScaleOutConsoles.SignInAsync(consoles.A, DemoUser.OtherStudent));
        Assert.Equal(HttpStatusCode.OK, await AuthorizeAsync(student, "presence-student"));

        using var admin = ScaleOutConsoles.Client(consoles.B, await ScaleOutConsoles.SignInAsync(consoles.B, DemoUser.Admin));
        var page = $"/Users/Details/{studentId}";
        var changed = await admin.PostFormAsync(page + "?handler=Roles", new() { ["SelectedRoles"] = "Auditor" }, formPageUrl: page);
        var saved = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        var answers = new List<string>();
        await Eventually.UntilAsync(async () =>
        {
            var status = await AuthorizeAsync(student, "presence-student");
            answers.Add($"{(int)status}@{saved.ElapsedMilliseconds}ms");
            return status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized;
        }, Propagation, "A to refuse the presence channel of a role the user no longer has", describe: () => string.Join(' ', answers));
        Assert.True(saved.Elapsed < Propagation, $"took {saved.ElapsedMilliseconds} ms: {string.Join(' ', answers)}");
        output.WriteLine($"in force on A {saved.Elapsed.TotalMilliseconds:0} ms after B's response (answers: {string.Join(' ', answers)})");
    }

    /// <summary>POST /pusher/auth as pusher-js sends it; the status code.</summary>
    protected static async Task<HttpStatusCode> AuthorizeAsync(HttpClient client, string channel)
    {
        using var response = await client.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["socket_id"] = "1234.5678",
            ["channel_name"] = channel,
        }));
        return response.StatusCode;
    }
}

/// <summary>Redis configured: the change signal is Redis pub/sub, and SignalR uses the Redis backplane.</summary>
[Trait("Needs", "Process")]
public sealed class TwoInstancesWithRedisTests(ScaleOutConsoles consoles, ITestOutputHelper output) : TwoInstanceTests<ScaleOutConsoles>(consoles, output)
{
    [Fact]
    public async Task A_webhook_posted_to_A_updates_the_channels_presence_and_event_log_of_a_page_connected_to_B()
    {
        var cookie = await ScaleOutConsoles.SignInAsync(Consoles.B, DemoUser.Admin);
        var channels = new System.Collections.Concurrent.ConcurrentQueue<ChannelView>();
        var members = new System.Collections.Concurrent.ConcurrentQueue<PresenceView>();
        var activity = new System.Collections.Concurrent.ConcurrentQueue<ActivityView>();
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var page = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(Consoles.B.Url), "/hubs/console"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.Headers["Cookie"] = cookie;
            })
            .Build();
        page.On<List<ChannelView>>(nameof(IConsoleClient.ChannelsChanged), list => list.ForEach(channels.Enqueue));
        page.On<List<PresenceView>>(nameof(IConsoleClient.PresenceChanged), list => list.ForEach(members.Enqueue));
        page.On<ActivityBatch>(nameof(IConsoleClient.ActivityAppended), batch => batch.Entries.ToList().ForEach(activity.Enqueue));
        page.On(nameof(IConsoleClient.Joined), () => joined.TrySetResult());
        await page.StartAsync();
        await joined.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var suffix = Guid.NewGuid().ToString("N")[..10];
        var body = new Webhook(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        [
            WebhookEvent.ChannelOccupied($"private-scaleout-{suffix}"),
            WebhookEvent.MemberAdded($"presence-scaleout-{suffix}", "scaleout-user"),
        ]).ToJson();
        using var http = new HttpClient { BaseAddress = new Uri(Consoles.A.Url) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Pusher-Key", ScaleOutConsoles.Key);
        request.Headers.Add("X-Pusher-Signature", new WebhookSigner(ScaleOutConsoles.Secret).Sign(body));
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);

        var patience = TimeSpan.FromSeconds(10);
        await Eventually.UntilAsync(() => channels.Any(c => c.Channel == $"private-scaleout-{suffix}" && c.Occupied), patience,
            "B's page to hear that the channel A was told of is occupied");
        await Eventually.UntilAsync(() => members.Any(m => m.Channel == $"presence-scaleout-{suffix}" && m.UserId == "scaleout-user" && m.Present), patience,
            "B's page to hear of the presence member A was told of");
        await Eventually.UntilAsync(() => activity.Count(a => a.Channel == $"presence-scaleout-{suffix}") == 1, patience,
            "B's live event log to show the webhook A stored");
    }
}

/// <summary>No Redis: the change signal is PostgreSQL LISTEN/NOTIFY.</summary>
[Trait("Needs", "Process")]
public sealed class TwoInstancesOnPostgresNotifyTests(ScaleOutConsoles.WithoutRedis consoles, ITestOutputHelper output)
    : TwoInstanceTests<ScaleOutConsoles.WithoutRedis>(consoles, output);
