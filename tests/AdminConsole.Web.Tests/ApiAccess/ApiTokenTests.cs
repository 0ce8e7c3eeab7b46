using System.Net;
using System.Text.Json.Nodes;
using AdminConsole.Web.ApiAccess;
using AdminConsole.Web.Compose;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.ApiAccess;

public class ApiTokenTests(TokenConsole console) : IClassFixture<TokenConsole>
{
    private Task<List<AuditEntry>> AuditAsync(string kind) => console.AuditAsync(kind);

    [Fact]
    public async Task A_teachers_page_token_sends_to_their_class_only_is_shown_once_and_is_logged_by_name_and_prefix()
    {
        var teacher = await console.SignInAsync(DemoUser.Teacher);
        var (token, created) = await console.CreateOnPageAsync(teacher, "timetable sync", expiresDays: 30);
        Assert.StartsWith(ApiTokens.TokenPrefix, token);
        Assert.Contains("timetable sync", created.QuerySelector("[data-testid=created-token]")!.TextContent);

        // A subscriber of Physics 7A (the teacher's class) on the local Channels server gets what the token sends.
        await using var subscriber = await LocalSubscriber.SubscribeAsync(console, teacher, "private-class-1");
        var sent = await console.TriggerWithTokenAsync(token, "private-class-1");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var received = await subscriber.NextAsync("room-changed");
        Assert.Equal("private-class-1", received["channel"]!.GetValue<string>());
        Assert.Equal("12", JsonNode.Parse(received["data"]!.GetValue<string>())!["room"]!.GetValue<string>());

        // History 8B is not theirs: 403 naming the channel, as for the teacher in the console.
        var refused = await console.TriggerWithTokenAsync(token, "private-class-2");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("private-class-2", await refused.Content.ReadAsStringAsync());

        // The send is the teacher's; the event log has the creation and each use by name and prefix, never the token.
        var teacherId = await console.UserIdAsync(DemoUser.Teacher.Email);
        var prefix = token[..11];
        var sends = await console.QueryAsync(db => db.SentEvents.AsNoTracking().Where(s => s.SenderId == teacherId && s.EventName == "room-changed").ToListAsync());
        Assert.Single(sends);
        var creation = Assert.Single(await AuditAsync(AuditKinds.TokenCreated), a => a.Data!.Contains("timetable sync"));
        Assert.Equal($"user:{teacherId}", creation.Target);
        Assert.Contains(prefix, creation.Data);
        await Eventually.UntilAsync(async () => (await AuditAsync(AuditKinds.TokenUsed)).Count(a => a.Data!.Contains("timetable sync") && a.Outcome == "allowed") == 2,
            TimeSpan.FromSeconds(10), "two token.used entries (written in batches)");
        Assert.Contains((await AuditAsync(AuditKinds.TokenUsed)), a => a.Data!.Contains(prefix) && a.ActorId == teacherId);
        var everything = await console.QueryAsync(db => db.AuditEntries.AsNoTracking().Select(a => (a.Data ?? "") + a.Target + a.ActorName).ToListAsync());
        Assert.DoesNotContain(everything, e => e.Contains(token[5..]));
        Assert.DoesNotContain(console.Logs.Lines, l => l.Contains(token[5..]));

        // Afterwards the account page lists it by name and prefix, with its last use, and never shows the token again.
        var page = await teacher.GetStringAsync(TokenConsole.TokensPage);
        Assert.Contains("timetable sync", page);
        Assert.Contains(prefix + "…", page);
        Assert.DoesNotContain(token[5..], page);
        Assert.NotNull(await console.QueryAsync(db => db.ApiTokens.Where(t => t.Name == "timetable sync").Select(t => t.LastUsedUtc).SingleAsync()));
        Assert.Equal(ApiTokens.HashOf(token), await console.QueryAsync(db => db.ApiTokens.Where(t => t.Name == "timetable sync").Select(t => t.Hash).SingleAsync()));
    }

    [Fact]
    public async Task create_token_prints_a_working_token_alone_on_its_last_line_and_exits_like_create_admin()
    {
        var (exit, output, error) = await RunCommandAsync("--email", DemoUser.OtherTeacher.Email, "--name", "nightly job", "--expires-days", "7");
        Assert.True(exit == 0, error);
        var token = output.TrimEnd().Split('\n')[^1].Trim();
        Assert.Matches("^acpt_[A-Za-z0-9_-]{43}$", token);
        Assert.Contains("nightly job", output);
        Assert.Equal(HttpStatusCode.OK, (await console.TriggerWithTokenAsync(token, "presence-class-2")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await console.TriggerWithTokenAsync(token, "private-class-1")).StatusCode);
        var entry = Assert.Single(await AuditAsync(AuditKinds.TokenCreated), a => a.Data!.Contains("nightly job"));
        Assert.Equal("system", entry.ActorName);
        Assert.DoesNotContain(token[5..], entry.Data);

        Assert.Equal(CreateAdminCommand.UsageError, (await RunCommandAsync("--email", DemoUser.Teacher.Email)).ExitCode);
        Assert.Equal(CreateAdminCommand.UsageError, (await RunCommandAsync("--email", DemoUser.Teacher.Email, "--name", "x", "--expires-days", "0")).ExitCode);
        Assert.Equal(CreateAdminCommand.UsageError, (await RunCommandAsync("--email", DemoUser.Teacher.Email, "--name", "x", "--bogus")).ExitCode);
        var (unknownExit, _, unknownError) = await RunCommandAsync("--email", "nobody@school.test", "--name", "x");
        Assert.Equal(CreateAdminCommand.Failed, unknownExit);
        Assert.Contains("nobody@school.test", unknownError);
        var (studentExit, studentOut, studentError) = await RunCommandAsync("--email", DemoUser.Student.Email, "--name", "x");
        Assert.Equal(CreateAdminCommand.Failed, studentExit);
        Assert.Contains("neither an admin nor a teacher", studentError);
        Assert.DoesNotContain("acpt_", studentOut);
    }

    [Fact]
    public async Task Expired_revoked_and_locked_demoted_or_deleted_owners_tokens_get_401_with_WWW_Authenticate_Bearer()
    {
        var admin = await console.SignInAsync(DemoUser.Admin);

        var expired = await CreateForNewTeacherAsync("expires");
        await console.QueryAsync(db => db.ApiTokens.Where(t => t.Name == "expires").ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresUtc, DateTime.UtcNow.AddMinutes(-1))));
        await AssertRefusedAsync(expired.Token, "expired");

        // Revoked by its owner on the account page.
        var revokedOwner = await console.CreateUserAsync("Teacher");
        var ownerClient = await console.SignInAsync(revokedOwner.Email!, "Throwaway-pw-123");
        var (revoked, _) = await console.CreateOnPageAsync(ownerClient, "revoke me");
        await AssertAcceptedAsync(revoked);
        var id = await console.QueryAsync(db => db.ApiTokens.Where(t => t.Name == "revoke me" && t.UserId == revokedOwner.Id).Select(t => t.Id).SingleAsync());
        var revokeResponse = await ownerClient.PostFormAsync(TokenConsole.TokensPage + "?handler=Revoke", new() { ["id"] = id.ToString() }, TokenConsole.TokensPage);
        Assert.Contains("revoked", await ownerClient.FollowStatusMessageAsync(revokeResponse));
        await AssertRefusedAsync(revoked, "revoked");
        Assert.Single(await AuditAsync(AuditKinds.TokenRevoked), a => a.Target == $"user:{revokedOwner.Id}" && a.Data!.Contains("revoke me"));

        // Locked by an administrator: refused with the very next request, not after a session refresh.
        var locked = await CreateForNewTeacherAsync("locked owner");
        await AssertAcceptedAsync(locked.Token);
        var lockResponse = await admin.PostFormAsync($"/Users/Details/{locked.Owner.Id}?handler=Lock", [], $"/Users/Details/{locked.Owner.Id}");
        Assert.Equal(HttpStatusCode.Redirect, lockResponse.StatusCode);
        await AssertRefusedAsync(locked.Token, "locked");

        // No longer a teacher: the token is worth nothing at once.
        var demoted = await CreateForNewTeacherAsync("demoted owner");
        var rolesResponse = await admin.PostFormAsync($"/Users/Details/{demoted.Owner.Id}?handler=Roles", new() { ["SelectedRoles"] = "Student" }, $"/Users/Details/{demoted.Owner.Id}");
        Assert.Equal(HttpStatusCode.Redirect, rolesResponse.StatusCode);
        await AssertRefusedAsync(demoted.Token, "no longer an admin or teacher");

        // Deleted: the tokens go with the account.
        var deleted = await CreateForNewTeacherAsync("deleted owner");
        await using (var scope = console.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            Assert.True((await users.DeleteAsync((await users.FindByIdAsync(deleted.Owner.Id))!)).Succeeded);
        }
        await AssertRefusedAsync(deleted.Token, "Unknown token");

        // Every refusal of a known token is in the event log, by name.
        await Eventually.UntilAsync(async () => (await AuditAsync(AuditKinds.TokenUsed)).Count(a => a.Outcome == "refused" && (a.Data!.Contains("expires") || a.Data.Contains("locked owner"))) >= 2,
            TimeSpan.FromSeconds(10), "token.used refusals (written in batches)");
    }

    public static TheoryData<string?> MalformedAuthorizations() => new()
    {
        null,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer acpt_short",
        "Bearer acpt_" + new string('A', 42) + "!",
        "Bearer " + new string('x', 10_000),
        "Bearer acpt_" + new string('A', 43) + " extra",
        "bearer acpt_" + new string('A', 43),
        "Bearer \u00e9\u00e8",
    };

    [Theory]
    [MemberData(nameof(MalformedAuthorizations))]
    public async Task Missing_malformed_or_unknown_tokens_get_401_problem_details_never_500(string? authorization)
    {
        var response = await console.TriggerAsync(authorization, new { channel = "public", @event = "e", data = "x" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(401, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
    }

    [Fact]
    public async Task A_bearer_token_signs_nobody_in_on_the_console_pages()
    {
        var (token, _) = await CreateForNewTeacherAsync("pages");
        using var client = console.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = Bearer.Of(token);

        foreach (var page in new[] { "/", "/Compose", TokenConsole.TokensPage, "/Identity/Account/Manage" })
        {
            var response = await client.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/Identity/Account/Login", response.Headers.Location!.OriginalString);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/pusher/auth", new FormUrlEncodedContent([new("socket_id", "1.2"), new("channel_name", "private-class-1")]))).StatusCode);
    }

    [Fact]
    public async Task Owners_and_admins_revoke_on_their_pages_and_nobody_else_can()
    {
        var (token, owner) = await CreateForNewTeacherAsync("admin revokes");
        var id = await console.QueryAsync(db => db.ApiTokens.Where(t => t.UserId == owner.Id).Select(t => t.Id).SingleAsync());

        // Another teacher cannot revoke it (nor see it).
        var other = await console.SignInAsync(DemoUser.OtherTeacher);
        var attempt = await other.PostFormAsync(TokenConsole.TokensPage + "?handler=Revoke", new() { ["id"] = id.ToString() }, TokenConsole.TokensPage);
        Assert.StartsWith("Error", await other.FollowStatusMessageAsync(attempt));
        Assert.DoesNotContain("admin revokes", await other.GetStringAsync(TokenConsole.TokensPage));
        await AssertAcceptedAsync(token);

        // The admin sees it on the user's details page and revokes it there.
        var admin = await console.SignInAsync(DemoUser.Admin);
        var details = await admin.GetDocumentAsync($"/Users/Details/{owner.Id}");
        var row = details.QuerySelector($"[data-token-id='{id}']")!;
        Assert.Contains("admin revokes", row.TextContent);
        Assert.Contains(token[..11], row.TextContent);
        var revoke = await admin.PostFormAsync(TokenConsole.TokensPage + "?handler=Revoke",
            new() { ["id"] = id.ToString(), ["returnUrl"] = $"/Users/Details/{owner.Id}" }, $"/Users/Details/{owner.Id}");
        Assert.Equal($"/Users/Details/{owner.Id}", revoke.Headers.Location!.OriginalString);
        Assert.Contains("revoked", await admin.FollowStatusMessageAsync(revoke));
        await AssertRefusedAsync(token, "revoked");
        var entry = Assert.Single(await AuditAsync(AuditKinds.TokenRevoked), a => a.Target == $"user:{owner.Id}");
        Assert.Equal(DemoUser.Admin.Email, entry.ActorName);
    }

    [Fact]
    public async Task Auditors_and_students_have_no_token_page_and_the_tab_shows_only_for_senders()
    {
        var teacher = await console.SignInAsync(DemoUser.Teacher);
        Assert.Contains("id=\"api-tokens\"", await teacher.GetStringAsync("/Identity/Account/Manage"));
        var student = await console.SignInAsync(DemoUser.Student);
        Assert.DoesNotContain("id=\"api-tokens\"", await student.GetStringAsync("/Identity/Account/Manage"));
        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync(TokenConsole.TokensPage)).StatusCode);
    }

    [Fact]
    public async Task Without_configured_origins_no_preflight_is_answered()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/realtime/trigger");
        request.Headers.Add("Origin", DashboardConsole.Dashboard);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        var response = await console.CreateClient().SendAsync(request);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task AssertRefusedAsync(string token, string reason)
    {
        var response = await console.TriggerWithTokenAsync(token, "public");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.StartsWith("Bearer", challenge);
        Assert.Contains("invalid_token", challenge);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A new teacher of a new class, with a token made by the service (as the page does).</summary>
    private async Task<(string Token, AppUser Owner)> CreateForNewTeacherAsync(string name)
    {
        var owner = await console.CreateUserAsync("Teacher");
        await using var scope = console.Services.CreateAsyncScope();
        var (created, error) = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(Actor.From(owner), owner, name, null);
        Assert.True(created is not null, error);
        return (created.Secret, owner);
    }

    /// <summary>
    /// The token authenticates: its owner (a teacher without classes) is judged by the sending rules, which refuse
    /// the public channel with 403, instead of being turned away with 401.
    /// </summary>
    private async Task AssertAcceptedAsync(string token) =>
        Assert.Equal(HttpStatusCode.Forbidden, (await console.TriggerWithTokenAsync(token, "public")).StatusCode);

    private async Task<(int ExitCode, string Out, string Error)> RunCommandAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CreateTokenCommand.RunAsync(console.Services, ["create-token", .. args],
            new CommandConsole(output, error, _ => null, _ => null));
        return (exit, output.ToString(), error.ToString());
    }
}
