using System.Net;
using AdminConsole.Web.Compose;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Compose;
using AdminConsole.Web.Tests.Infrastructure;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Pusher;

/// <summary>
/// The Pusher secret and the encryption master key never leave the server: not in any page any role can open,
/// not in any script or stylesheet those pages load, not in any answer of the auth and trigger endpoints (also
/// when Pusher fails), not in the log, and not in what the console stores for others to read.
/// </summary>
public class SecretsStayOnServerTests(PusherConsoleFactory console) : IClassFixture<PusherConsoleFactory>
{
    private static readonly string[] Pages =
    [
        "/", "/Channels", "/Presence", "/Compose", "/Compose?handler=History", "/EventLog", "/Users", "/Classes", "/Student",
        "/Identity/Account/Login", "/Identity/Account/Manage", "/no-such-page", "/Errors/Status/403",
    ];

    private static readonly DemoUser[] Everyone = [DemoUser.Admin, DemoUser.Teacher, DemoUser.OtherTeacher, DemoUser.Student, DemoUser.OtherStudent, DemoUser.Auditor];

    private readonly List<(string Where, string Text)> _seen = [];

    private async Task<string> SeeAsync(string where, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        _seen.Add(($"{where} → {(int)response.StatusCode}", text + "\n" + string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => h.Key + ": " + string.Join(",", h.Value)))));
        return text;
    }

    [Fact]
    public async Task Neither_the_secret_nor_the_master_key_appears_in_pages_scripts_answers_logs_or_stored_records()
    {
        var parser = new HtmlParser();
        var assets = new HashSet<string>();

        // 1. Every page as every role (and signed out), and every script and stylesheet they load.
        foreach (var user in Everyone.Cast<DemoUser?>().Append(null))
        {
            var client = user is null ? console.CreateBrowserLikeClient() : await console.SignInAsync(user);
            foreach (var page in Pages)
            {
                var html = await SeeAsync($"{user?.Email ?? "anonymous"} GET {page}", await client.GetAsync(page));
                var doc = parser.ParseDocument(html);
                foreach (var src in doc.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!)
                             .Concat(doc.QuerySelectorAll("link[href]").Select(l => l.GetAttribute("href")!)))
                    assets.Add(src);
            }
        }
        Assert.Contains(assets, a => a.StartsWith("/js/compose."));
        var anonymous = console.CreateBrowserLikeClient();
        foreach (var asset in assets.Where(a => a.StartsWith('/')))
        {
            var response = await anonymous.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await SeeAsync($"GET {asset}", response);
        }

        // 2. A compose-and-auth scenario with everything that can go wrong.
        var student = await console.SignInAsync(DemoUser.Student);
        var teacher = await console.SignInAsync(DemoUser.Teacher);
        var admin = await console.SignInAsync(DemoUser.Admin);
        foreach (var (client, channel, socket) in new[]
                 {
                     (student, "private-class-1", "1.1"), (student, "presence-class-1", "1.2"), (student, "private-encrypted-class-1", "1.3"),
                     (student, "private-class-2", "1.4"), (student, "private-class-1", "oops"), (student, "bad channel", "1.5"),
                     (teacher, "private-encrypted-class-1", "2.1"), (admin, "presence-admin", "3.1"),
                 })
        {
            await SeeAsync($"auth {channel}", await client.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = socket, ["channel_name"] = channel })));
        }
        await SeeAsync("user-auth", await student.PostAsync("/pusher/user-auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "1.9" })));

        var answers = new (int Status, string Body)[]
        {
            (200, "{}"),
            (401, "Invalid signature: you should have sent HmacSHA256Hex(\"POST\\n/apps/4242/events\\nauth_key=test-app-key...\", your_secret_key), but you sent \"0000\""),
            // A misbehaving server echoing the secret back must not make the console show or log it.
            (400, "Bad request; expected secret " + PusherConsoleFactory.Secret),
            (500, "Internal error"),
        };
        try
        {
            foreach (var (status, body) in answers)
            {
                console.Api.Handler = (ctx, _) =>
                {
                    ctx.Response.StatusCode = status;
                    return ctx.Response.WriteAsync(body);
                };
                await SeeAsync($"trigger (Pusher {status})", await Trigger.PostAsync(teacher, new { channel = "private-class-1", @event = "announcement", data = new { title = "t" } }));
                await SeeAsync($"encrypted trigger (Pusher {status})", await Trigger.PostAsync(admin, new { channel = "private-encrypted-class-1", @event = "secret-note", data = "encrypted on the server" }));
            }
            _ = console.Api.NeverAnswer();
            await SeeAsync("trigger (timeout)", await Trigger.PostAsync(admin, new { channel = "public", @event = "late", data = "x" }));
        }
        finally
        {
            console.Api.Handler = (ctx, _) => ctx.Response.WriteAsync("{}");
        }
        await SeeAsync("trigger without token", await Trigger.PostAsync(teacher, new { channel = "private-class-1", @event = "e", data = "x" }, withToken: false));
        await SeeAsync("invalid trigger", await Trigger.PostAsync(admin, """{"channels":["a b"],"event":"client-x"}"""));
        await SeeAsync("history after failures", await admin.GetAsync("/Compose"));

        // 3. What the console stored for others to read, and everything it logged.
        var stored = await console.WithDbAsync(async db =>
            string.Join("\n", (await db.SentEvents.Select(s => s.Data + s.PusherBody).ToListAsync())
                .Concat(await db.AuditEntries.Select(a => a.Data + a.Target + a.Channel).ToListAsync())));
        _seen.Add(("stored sends and audit entries", stored));
        _seen.Add(("application log", string.Join("\n", console.Logs.Lines)));

        Assert.True(console.Logs.Lines.Count > 20, "the log capture saw the app's output");
        Assert.Contains(_seen, s => s.Text.Contains(PusherConsoleFactory.Key)); // the public key may appear: the scan really reads answers
        var leaks = _seen
            .Where(s => s.Text.Contains(PusherConsoleFactory.Secret) || s.Text.Contains(PusherConsoleFactory.MasterKeyBase64))
            .Select(s => s.Where)
            .ToList();
        Assert.Empty(leaks);
    }
}
