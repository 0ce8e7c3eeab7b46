using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdminConsole.Web.Compose;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Compose;

public static class Trigger
{
    /// <summary>Posts to /realtime/trigger as the compose page's script does: JSON plus the page's antiforgery token in a header.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string json, bool withToken = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/trigger") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (withToken)
            request.Headers.Add("RequestVerificationToken", await client.GetAntiforgeryTokenAsync("/Compose"));
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, object body, bool withToken = true) =>
        PostAsync(client, JsonSerializer.Serialize(body), withToken);
}

public abstract class TriggerTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : PusherConsoleFactory
{
    private Task<SentEvent?> LatestSentAsync() => console.WithDbAsync(db => db.SentEvents.OrderByDescending(s => s.Id).FirstOrDefaultAsync());

    public static TheoryData<string, string[]> InvalidBodies()
    {
        var data = new TheoryData<string, string[]>
        {
            { """{}""", ["channels", "event", "data"] },
            { """{"channel":"public","channels":["public"],"event":"e","data":"x"}""", ["channels"] },
            { """{"channels":[],"event":"e","data":"x"}""", ["channels"] },
            { """{"channel":"bad name!","event":"e","data":"x"}""", ["channel"] },
            { """{"channels":["public","bad*"],"event":"e","data":"x"}""", ["channels[1]"] },
            { """{"channels":["public","public"],"event":"e","data":"x"}""", ["channels[1]"] },
            { """{"channels":["private-encrypted-class-1","private-class-1"],"event":"e","data":"x"}""", ["channels"] },
            { """{"channel":"public","data":"x"}""", ["event"] },
            { $$"""{"channel":"public","event":"{{new string('e', 201)}}","data":"x"}""", ["event"] },
            { """{"channel":"public","event":"client-typing","data":"x"}""", ["event"] },
            { """{"channel":"public","event":"pusher:subscribe","data":"x"}""", ["event"] },
            { """{"channel":"public","event":"e"}""", ["data"] },
            { """{"channel":"public","event":"e","data":null}""", ["data"] },
            { $$"""{"channel":"public","event":"e","data":"{{new string('x', 10 * 1024 + 1)}}"}""", ["data"] },
            { $$$"""{"channel":"public","event":"e","data":{"text":"{{{new string('é', 5200)}}}"}}""", ["data"] },
            { """{"channel":"public","event":"e","data":"x","socket_id":"1.2:3"}""", ["socket_id"] },
            { """not json""", ["body"] },
            // A lone surrogate used to pass the JSON reader and throw when the data was read (a 500).
            { """{"channel":"public","event":"e","data":"\ud800"}""", ["data"] },
            { """{"channel":"public","event":"e","data":"ok \udfff then"}""", ["data"] },
            { """{"channel":"public","event":"client-x","data":null,"socket_id":"x"}""", ["event", "data", "socket_id"] },
        };
        var many = string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"c{i}\""));
        data.Add($$"""{"channels":[{{many}}],"event":"e","data":"x"}""", ["channels"]);
        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_requests_get_400_problem_details_naming_each_bad_field(string json, string[] fields)
    {
        var client = await console.SignInAsync(DemoUser.Admin);
        var before = console.Api.Requests.Count;
        var response = await Trigger.PostAsync(client, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(fields.Order(), errors.Select(e => e.Key).Order());
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Value![0]!.GetValue<string>())));
        Assert.Equal(before, console.Api.Requests.Count);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, "data")]
    [InlineData(new byte[] { 0xC3 }, "data")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "data")] // a surrogate encoded as UTF-8 (CESU)
    public async Task A_string_that_is_not_utf8_is_400_problem_details(byte[] raw, string field)
    {
        var client = await console.SignInAsync(DemoUser.Admin);
        var body = Encoding.UTF8.GetBytes("""{"channel":"public","event":"e","data":"a""").Concat(raw).Concat(Encoding.UTF8.GetBytes("""b"}""")).ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/trigger") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("RequestVerificationToken", await client.GetAntiforgeryTokenAsync("/Compose"));
        var before = console.Api.Requests.Count;

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(field, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(before, console.Api.Requests.Count);
    }

    [Theory]
    [InlineData("Admin", "public", 200)]
    [InlineData("Admin", "private-class-2", 200)]
    [InlineData("Admin", "presence-teacher", 200)]
    [InlineData("Teacher", "private-class-1", 200)]
    [InlineData("Teacher", "presence-class-1", 200)]
    [InlineData("Teacher", "private-encrypted-class-1", 200)]
    [InlineData("Teacher", "private-user-{student}", 200)]
    [InlineData("Teacher", "private-class-2", 403)]
    [InlineData("Teacher", "presence-class-2", 403)]
    [InlineData("Teacher", "private-user-{student2}", 403)]
    [InlineData("Teacher", "public", 403)]
    [InlineData("Teacher", "presence-teacher", 403)]
    [InlineData("Auditor", "private-class-1", 403)]
    [InlineData("Student", "private-class-1", 403)]
    [InlineData("Anonymous", "private-class-1", 401)]
    public async Task Who_may_send_where(string role, string channelTemplate, int expected)
    {
        var channel = channelTemplate
            .Replace("{student}", await console.UserIdAsync(DemoUser.Student))
            .Replace("{student2}", await console.UserIdAsync(DemoUser.OtherStudent));
        var user = role switch
        {
            "Admin" => DemoUser.Admin,
            "Teacher" => DemoUser.Teacher,
            "Auditor" => DemoUser.Auditor,
            "Student" => DemoUser.Student,
            _ => null,
        };
        var client = user is null ? console.CreateBrowserLikeClient() : await console.SignInAsync(user);
        var body = new { channel, @event = "announcement", data = new { title = "Test", body = "Hello" } };
        // Auditors, students and anonymous users cannot open the compose page to get a token; they are refused first.
        var response = user is null || role is "Auditor" or "Student"
            ? await Trigger.PostAsync(client, body, withToken: false)
            : await Trigger.PostAsync(client, body);
        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == 403 && role == "Teacher")
        {
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Contains(channel, problem["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Without_the_antiforgery_header_nothing_is_sent_or_recorded()
    {
        var client = await console.SignInAsync(DemoUser.Teacher);
        await client.GetAsync("/Compose"); // has the antiforgery cookie, like a victim's browser would
        var before = console.Api.Requests.Count;
        var lastBefore = (await LatestSentAsync())?.Id;

        var response = await Trigger.PostAsync(client, new { channel = "private-class-1", @event = "announcement", data = "x" }, withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("antiforgery", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, console.Api.Requests.Count);
        Assert.Equal(lastBefore, (await LatestSentAsync())?.Id);
    }

    [Fact]
    [Trait("Needs", "Node")]
    public async Task The_request_reaching_Pusher_is_signed_as_the_npm_library_signs_and_carries_the_event()
    {
        console.Api.Handler = (ctx, _) => ctx.Response.WriteAsync("{}");
        var client = await console.SignInAsync(DemoUser.Admin);
        var before = console.Api.Requests.Count;

        var response = await Trigger.PostAsync(client, """{"channels":["public","private-class-1"],"event":"announcement","data":{"title":"Fire drill","body":"At 10:00 – ünïcode","level":"warning"},"socket_id":"77.88"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = console.Api.Requests.Skip(before).Single();
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/apps/{PusherConsoleFactory.AppId}/events", request.Path);
        Assert.Equal("application/json", request.ContentType);
        var body = JsonNode.Parse(request.Body)!.AsObject();
        Assert.Equal("announcement", body["name"]!.GetValue<string>());
        Assert.Equal(["public", "private-class-1"], body["channels"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("""{"title":"Fire drill","body":"At 10:00 – ünïcode","level":"warning"}""", body["data"]!.GetValue<string>());
        Assert.Equal("77.88", body["socket_id"]!.GetValue<string>());

        var query = request.Query.ToDictionary(q => q.Key, q => q.Value);
        var oracle = await NodeOracle.RunAsync(new JsonObject
        {
            ["query"] = new JsonArray(new JsonObject
            {
                ["key"] = PusherConsoleFactory.Key,
                ["secret"] = PusherConsoleFactory.Secret,
                ["method"] = "POST",
                ["path"] = request.Path,
                ["params"] = new JsonObject(),
                ["body"] = Encoding.UTF8.GetString(request.Body),
                ["timestamp"] = long.Parse(query["auth_timestamp"]),
            }),
        });
        var expected = QueryHelpers.ParseQuery(oracle["query"]![0]!.GetValue<string>());
        Assert.Equal(expected["auth_key"].ToString(), query["auth_key"]);
        Assert.Equal(expected["body_md5"].ToString(), query["body_md5"]);
        Assert.Equal(expected["auth_signature"].ToString(), query["auth_signature"]);

        var sent = (await LatestSentAsync())!;
        Assert.Equal(SendStatus.Sent, sent.Status);
        Assert.Equal(200, sent.PusherStatus);
        Assert.NotNull(sent.DurationMs);
        Assert.Equal(DemoUser.Admin.Email, sent.SenderName);
        Assert.Equal(body["data"]!.GetValue<string>(), sent.Data);
    }

    [Fact]
    public async Task The_send_is_recorded_as_pending_before_Pusher_answers()
    {
        var release = new TaskCompletionSource();
        console.Api.Handler = async (ctx, _) =>
        {
            await release.Task;
            await ctx.Response.WriteAsync("{}");
        };
        try
        {
            var client = await console.SignInAsync(DemoUser.Teacher);
            var token = await client.GetAntiforgeryTokenAsync("/Compose");
            var lastBefore = (await LatestSentAsync())?.Id ?? 0;
            var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/trigger") { Content = JsonContent.Create(new { channel = "private-class-1", @event = "announcement", data = "pending?" }) };
            request.Headers.Add("RequestVerificationToken", token);
            var sending = client.SendAsync(request);

            await console.EventuallyAsync(db => db.SentEvents.AnyAsync(s => s.Id > lastBefore && s.Status == SendStatus.Pending && s.Data == "pending?"), "a pending record while Pusher has not answered");
            release.SetResult();
            Assert.Equal(HttpStatusCode.OK, (await sending).StatusCode);
            Assert.Equal(SendStatus.Sent, (await LatestSentAsync())!.Status);
        }
        finally
        {
            release.TrySetResult();
            console.Api.Handler = (ctx, _) => ctx.Response.WriteAsync("{}");
        }
    }

    [Theory]
    [InlineData(401, "Invalid signature: you should have sent HmacSHA256Hex(...)")]
    [InlineData(413, "Payload too large")]
    [InlineData(500, "Internal error")]
    [InlineData(503, "Service unavailable")]
    public async Task Pusher_errors_become_502_and_a_failed_record_with_Pusher_s_status_and_body(int status, string answer)
    {
        console.Api.Handler = (ctx, _) =>
        {
            ctx.Response.StatusCode = status;
            return ctx.Response.WriteAsync(answer);
        };
        try
        {
            var client = await console.SignInAsync(DemoUser.Admin);
            var response = await Trigger.PostAsync(client, new { channel = "public", @event = "announcement", data = "x" });

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Contains(answer, problem["detail"]!.GetValue<string>());
            Assert.Equal("Failed", problem["outcome"]!.GetValue<string>());
            var sent = (await LatestSentAsync())!;
            Assert.Equal(problem["sendId"]!.GetValue<long>(), sent.Id);
            Assert.Equal(SendStatus.Failed, sent.Status);
            Assert.Equal(status, sent.PusherStatus);
            Assert.Equal(answer, sent.PusherBody);
            Assert.NotNull(sent.CompletedUtc);
        }
        finally
        {
            console.Api.Handler = (ctx, _) => ctx.Response.WriteAsync("{}");
        }
    }

    [Fact]
    public async Task A_Pusher_that_does_not_answer_in_time_becomes_502_and_a_failed_record()
    {
        _ = console.Api.NeverAnswer();
        try
        {
            var client = await console.SignInAsync(DemoUser.Admin);
            var response = await Trigger.PostAsync(client, new { channel = "public", @event = "announcement", data = "late" });

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            var sent = (await LatestSentAsync())!;
            Assert.Equal(SendStatus.Failed, sent.Status);
            Assert.Null(sent.PusherStatus);
            Assert.Contains("did not answer", sent.PusherBody);
            Assert.InRange(sent.DurationMs!.Value, 4_900, 20_000); // Pusher:Timeout is 5 s in PusherConsoleFactory
        }
        finally
        {
            console.Api.Handler = (ctx, _) => ctx.Response.WriteAsync("{}");
        }
    }

    [Fact]
    public async Task A_failed_send_can_be_retried_from_the_history()
    {
        console.Api.Handler = (ctx, _) =>
        {
            ctx.Response.StatusCode = 500;
            return ctx.Response.WriteAsync("down");
        };
        var client = await console.SignInAsync(DemoUser.Teacher);
        Assert.Equal(HttpStatusCode.BadGateway, (await Trigger.PostAsync(client, new { channel = "presence-class-1", @event = "reminder", data = "bring books" })).StatusCode);
        var failed = (await LatestSentAsync())!;
        console.Api.Handler = (ctx, _) => ctx.Response.WriteAsync("{}");

        var page = await client.GetStringAsync("/Compose");
        Assert.Contains($"data-sent-id=\"{failed.Id}\"", page);
        var retry = await client.PostFormAsync($"/Compose?handler=Retry&id={failed.Id}", [], formPageUrl: "/Compose");

        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        var again = (await LatestSentAsync())!;
        Assert.Equal(failed.Id, again.RetryOfId);
        Assert.Equal(SendStatus.Sent, again.Status);
        Assert.Equal("bring books", again.Data);
        Assert.Equal(SendStatus.Failed, (await console.WithDbAsync(db => db.SentEvents.SingleAsync(s => s.Id == failed.Id))).Status);
        Assert.Contains("retried", await client.GetStringAsync("/Compose"));

        // Another teacher cannot retry it (or see it).
        var other = await console.SignInAsync(DemoUser.OtherTeacher);
        Assert.DoesNotContain($"data-sent-id=\"{failed.Id}\"", await other.GetStringAsync("/Compose"));
        await other.PostFormAsync($"/Compose?handler=Retry&id={failed.Id}", [], formPageUrl: "/Compose");
        Assert.Equal(again.Id, (await LatestSentAsync())!.Id);
    }

    [Fact]
    public async Task Each_send_is_audited_with_its_outcome()
    {
        var client = await console.SignInAsync(DemoUser.Admin);
        Assert.Equal(HttpStatusCode.OK, (await Trigger.PostAsync(client, new { channel = "public", @event = "audited-send", data = "hello" })).StatusCode);
        var sent = (await LatestSentAsync())!;
        var entry = await console.WithDbAsync(db => db.AuditEntries.SingleAsync(a => a.Kind == AuditKinds.EventSent && a.Target == $"sent:{sent.Id}"));
        Assert.Equal("success", entry.Outcome);
        Assert.Equal("public", entry.Channel);
        Assert.Equal("audited-send", entry.EventName);
        Assert.Contains("hello", entry.Data);
    }
}

public sealed class TriggerTests(PusherConsoleFactory console) : TriggerTests<PusherConsoleFactory>(console);

public sealed class TriggerTestsOnPostgres(PusherConsoleFactory.OnPostgres console) : TriggerTests<PusherConsoleFactory.OnPostgres>(console);

public sealed class DisabledPusherConsole : PusherConsoleFactory
{
    protected override bool PusherEnabled => false;
}

public class TriggerWhenDisabledTests(DisabledPusherConsole console) : IClassFixture<DisabledPusherConsole>
{
    [Fact]
    public async Task Disabled_Pusher_answers_503_and_records_the_send_as_not_sent()
    {
        var client = await console.SignInAsync(DemoUser.Teacher);
        Assert.Contains("PUSHER_ENABLED=false", await client.GetStringAsync("/Compose"));

        var response = await Trigger.PostAsync(client, new { channel = "private-class-1", @event = "announcement", data = "kept" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("PUSHER_ENABLED=false", problem["detail"]!.GetValue<string>());
        var sent = await console.WithDbAsync(db => db.SentEvents.SingleAsync());
        Assert.Equal(SendStatus.NotSent, sent.Status);
        Assert.Equal("kept", sent.Data);
        Assert.Empty(console.Api.Requests);
    }
}
