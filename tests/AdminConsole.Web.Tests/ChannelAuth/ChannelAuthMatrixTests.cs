using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.ChannelAuth;

/// <summary>Demo data plus an archived class whose teacher and student are the demo teacher and student.</summary>
public sealed class AuthMatrixConsole : PusherConsoleFactory
{
    public int ArchivedClassId { get; private set; }
    public Dictionary<string, HttpClient> Clients { get; } = [];
    public Dictionary<string, string> Ids { get; } = [];

    public static readonly Dictionary<string, DemoUser?> Users = new()
    {
        ["anonymous"] = null,
        ["student-enrolled"] = DemoUser.Student,
        ["student-not-enrolled"] = DemoUser.OtherStudent,
        ["teacher-of-class"] = DemoUser.Teacher,
        ["teacher-of-other-class"] = DemoUser.OtherTeacher,
        ["auditor"] = DemoUser.Auditor,
        ["admin"] = DemoUser.Admin,
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var (name, user) in Users)
        {
            Clients[name] = user is null ? CreateBrowserLikeClient() : await SignInAsync(user);
            if (user is not null) Ids[name] = await UserIdAsync(user);
        }
        ArchivedClassId = await WithDbAsync(async db =>
        {
            var cls = new SchoolClass { Name = "Archived 9C", Archived = true, CreatedUtc = DateTime.UtcNow };
            cls.Members.Add(new ClassMembership { UserId = Ids["teacher-of-class"], Role = ClassRole.Teacher, AddedUtc = DateTime.UtcNow });
            cls.Members.Add(new ClassMembership { UserId = Ids["student-enrolled"], Role = ClassRole.Student, AddedUtc = DateTime.UtcNow });
            db.Classes.Add(cls);
            await db.SaveChangesAsync();
            return cls.Id;
        });
    }

    /// <summary>Replaces {student} (the enrolled student's user id) and {archived} in a channel template.</summary>
    public string Channel(string template) =>
        template.Replace("{student}", Ids["student-enrolled"]).Replace("{archived}", ArchivedClassId.ToString());
}

/// <summary>
/// The channel authorization matrix: every channel kind × every kind of user × {valid, malformed socket id,
/// malformed channel}, each with its expected status; allowed answers are checked against the npm library.
/// </summary>
public class ChannelAuthMatrixTests(AuthMatrixConsole console) : IClassFixture<AuthMatrixConsole>
{
    private const string SocketId = "123.456";

    /// <summary>Channel kinds (class 1 is Physics 7A: teacher@ teaches it, student@ is enrolled) and who may subscribe; null = public (nothing to sign).</summary>
    public static readonly (string Kind, string Channel, string[]? Allowed)[] Kinds =
    [
        ("public", "public", null),
        ("other public", "cache-news", null),
        ("own user channel", "private-user-{student}", ["student-enrolled", "admin"]),
        ("presence-student", "presence-student", ["student-enrolled", "student-not-enrolled"]),
        ("presence-teacher", "presence-teacher", ["teacher-of-class", "teacher-of-other-class"]),
        ("presence-admin", "presence-admin", ["admin"]),
        ("presence-auditor", "presence-auditor", ["auditor"]),
        ("private class", "private-class-1", ["student-enrolled", "teacher-of-class", "admin"]),
        ("presence class", "presence-class-1", ["student-enrolled", "teacher-of-class", "admin"]),
        ("encrypted user", "private-encrypted-user-{student}", ["student-enrolled", "admin"]),
        ("encrypted class", "private-encrypted-class-1", ["student-enrolled", "teacher-of-class", "admin"]),
        ("archived class", "private-class-{archived}", []),
        ("archived presence class", "presence-class-{archived}", []),
        ("unknown class", "private-class-999", []),
        ("non-canonical class id", "private-class-01", []),
        ("unknown private", "private-staffroom", []),
        ("unknown presence", "presence-parents", []),
        ("cache private", "private-cache-class-1", []),
        ("server-to-user", "#server-to-user-{student}", []),
    ];

    public static IEnumerable<object[]> Cases() =>
        from k in Kinds
        from user in AuthMatrixConsole.Users.Keys
        from variant in new[] { "valid", "malformed socket id", "malformed channel" }
        select new object[] { k.Kind, user, variant };

    private static int Expected(string kind, string user, string variant)
    {
        var allowed = Kinds.Single(k => k.Kind == kind).Allowed;
        if (user == "anonymous") return 401;
        if (variant != "valid") return 400;
        if (allowed is null) return 400; // public: nothing to sign
        return allowed.Contains(user) ? 200 : 403;
    }

    private static (string Socket, string Channel) Inputs(string channel, string variant) => variant switch
    {
        "malformed socket id" => ("123.456:evil", channel),
        // An attempt to smuggle a second signed field into the string to sign.
        "malformed channel" => (SocketId, channel + ":1.1"),
        _ => (SocketId, channel),
    };

    private async Task<HttpResponseMessage> PostAuthAsync(string user, string socketId, string channel) =>
        await console.Clients[user].PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["socket_id"] = socketId,
            ["channel_name"] = channel,
        }));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Status_follows_the_rules(string kind, string user, string variant)
    {
        var channel = console.Channel(Kinds.Single(k => k.Kind == kind).Channel);
        var (socket, name) = Inputs(channel, variant);
        var response = await PostAuthAsync(user, socket, name);

        Assert.Equal(Expected(kind, user, variant), (int)response.StatusCode);
        // (401, never a 302 to the sign-in page: pusher-js only reads the status.)
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
        {
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
            Assert.InRange(body.Length, 10, 300); // a short reason, in words
        }
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var json = JsonNode.Parse(body)!.AsObject();
            Assert.StartsWith(PusherConsoleFactory.Key + ":", json["auth"]!.GetValue<string>());
            Assert.Equal(kind.StartsWith("presence"), json.ContainsKey("channel_data"));
            Assert.Equal(kind.StartsWith("encrypted"), json.ContainsKey("shared_secret"));
        }
    }

    [Fact]
    [Trait("Needs", "Node")]
    public async Task Allowed_answers_are_signed_exactly_as_the_npm_library_signs_them()
    {
        var privateItems = new JsonArray();
        var presenceItems = new JsonArray();
        var ours = new List<(string What, JsonObject Answer, bool Presence, int Index)>();

        foreach (var (kind, template, allowed) in Kinds)
        {
            foreach (var user in allowed ?? [])
            {
                var channel = console.Channel(template);
                var response = await PostAuthAsync(user, SocketId, channel);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
                var item = new JsonObject
                {
                    ["key"] = PusherConsoleFactory.Key,
                    ["secret"] = PusherConsoleFactory.Secret,
                    ["masterKeyBase64"] = PusherConsoleFactory.MasterKeyBase64,
                    ["socketId"] = SocketId,
                    ["channel"] = channel,
                };
                if (answer["channel_data"] is { } channelData)
                {
                    // What we signed must be exactly this member: the Identity user id and {name, role}.
                    var member = JsonNode.Parse(channelData.GetValue<string>())!.AsObject();
                    Assert.Equal(console.Ids[user], member["user_id"]!.GetValue<string>());
                    var info = member["user_info"]!.AsObject();
                    Assert.False(string.IsNullOrWhiteSpace(info["name"]!.GetValue<string>()));
                    Assert.Equal(AuthMatrixConsole.Users[user]!.Role, info["role"]!.GetValue<string>());
                    item["userId"] = member["user_id"]!.GetValue<string>();
                    item["userInfo"] = info.DeepClone();
                    ours.Add(($"{kind} as {user}", answer, true, presenceItems.Count));
                    presenceItems.Add(item);
                }
                else
                {
                    ours.Add(($"{kind} as {user}", answer, false, privateItems.Count));
                    privateItems.Add(item);
                }
            }
        }

        // One node run for the whole matrix.
        var oracle = await NodeOracle.RunAsync(new JsonObject { ["private"] = privateItems, ["presence"] = presenceItems });
        var mismatches = new List<string>();
        foreach (var (what, answer, presence, index) in ours)
        {
            var expected = oracle[presence ? "presence" : "private"]![index]!.AsObject();
            Assert.Null(expected["error"]);
            foreach (var field in new[] { "auth", "channel_data", "shared_secret" })
            {
                var a = answer[field]?.GetValue<string>();
                var e = expected[field]?.GetValue<string>();
                if (a != e) mismatches.Add($"{what}: {field} ours {a ?? "(none)"} npm {e ?? "(none)"}");
            }
        }
        Assert.True(ours.Count >= 15, $"only {ours.Count} allowed answers checked");
        Assert.True(presenceItems.Count >= 6);
        Assert.Empty(mismatches);
    }
}
