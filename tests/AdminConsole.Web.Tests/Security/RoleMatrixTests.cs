using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.Security;

/// <summary>Who is asking: nobody, or one of the demo accounts.</summary>
public enum Who { Anonymous, Student, Teacher, Auditor, Admin }

public enum RouteKind
{
    /// <summary>Razor Page: anonymous is redirected to sign-in, a wrong role gets the 403 page.</summary>
    Page,
    /// <summary>JSON/protocol endpoint: anonymous gets 401, a wrong role 403.</summary>
    Api,
    /// <summary>Open to everybody, signed in or not.</summary>
    Public,
}

/// <summary>
/// One line of the role matrix. <paramref name="Path"/> and <see cref="Body"/> may contain {student}, {teacher},
/// {admin} (that demo account's user id) and {me} (the caller's own id). Class 1 is the demo class "Physics 7A",
/// taught by teacher@ with student@ enrolled.
/// </summary>
public sealed record Route(string Method, string Path, RouteKind Kind, params Who[] Allowed)
{
    /// <summary>Request body of a POST; a body starting with '{' is sent as JSON, anything else as a form.</summary>
    public string? Body { get; init; }

    /// <summary>What an allowed role gets (default 200), e.g. 400 for a POST the matrix sends with an empty JSON body.</summary>
    public HttpStatusCode AllowedStatus { get; init; } = HttpStatusCode.OK;

    /// <summary>Signed-in roles that are not allowed are redirected here instead of getting 403.</summary>
    public string? OthersRedirectTo { get; init; }

    /// <summary>Allowed roles that are sent to their own home instead (a teacher's "/" is /Teacher).</summary>
    public IReadOnlyDictionary<Who, string> RedirectsToHome { get; init; } = new Dictionary<Who, string>();

    public override string ToString() => $"{Method} {Path}";
}

public sealed class RoleMatrixTests(RoleMatrixTests.Console console) : IClassFixture<RoleMatrixTests.Console>
{
    private const Who Student = Who.Student, Teacher = Who.Teacher, Auditor = Who.Auditor, Admin = Who.Admin;
    private static readonly Who[] Everyone = [Student, Teacher, Auditor, Admin];

    private static Route Page(string path, params Who[] allowed) => new("GET", path, RouteKind.Page, allowed);
    private static Route Api(string method, string path, params Who[] allowed) => new(method, path, RouteKind.Api, allowed);
    private static Route Public(string path) => new("GET", path, RouteKind.Public);

    /// <summary>Every page and endpoint of the console: add a line with your route and the roles it allows.</summary>
    public static readonly Route[] Table =
    [
        Page("/", Admin, Teacher, Auditor) with { OthersRedirectTo = "/Student", RedirectsToHome = new Dictionary<Who, string> { [Teacher] = "/Teacher" } },
        Page("/Teacher", Admin, Teacher),
        Page("/Channels", Admin, Auditor),
        Page("/Presence", Admin, Teacher),
        // An unknown channel: allowed roles reach the page and get its 404; others never get that far.
        Page("/Channels/Detail?name=no-such-channel", Admin, Auditor) with { AllowedStatus = HttpStatusCode.NotFound },
        Page("/Channels/Reconcile", Admin) with { AllowedStatus = HttpStatusCode.Redirect },
        new Route("POST", "/Channels/Reconcile", RouteKind.Page, Admin) { AllowedStatus = HttpStatusCode.Redirect },
        Api("POST", "/hubs/console/negotiate?negotiateVersion=1", Admin, Teacher, Auditor),
        Api("GET", "/metrics", Admin),
        // No cookie helps: only a valid HMAC signature is accepted (this request has none).
        Api("POST", "/pusher/webhook", Everyone) with { AllowedStatus = HttpStatusCode.Unauthorized },
        Page("/Compose", Admin, Teacher),
        Page("/Compose?handler=History", Admin, Teacher),
        Page("/Compose?before=1000", Admin, Teacher),
        // The matrix posts "{}" as JSON: the endpoints answer 400 (no channel, event, data / not a form) to those allowed.
        Api("POST", "/realtime/trigger", Admin, Teacher) with { AllowedStatus = HttpStatusCode.BadRequest },
        Api("POST", "/pusher/auth", Everyone) with { AllowedStatus = HttpStatusCode.BadRequest },
        Api("POST", "/pusher/user-auth", Everyone) with { AllowedStatus = HttpStatusCode.BadRequest },
        Page("/EventLog", Admin, Auditor),
        Page("/EventLog?kind=signin.succeeded&channel=private-class-", Admin, Auditor),
        Page("/EventLog?handler=Verify", Admin, Auditor),
        Page("/EventLog/Entry/1", Admin, Auditor),
        Api("GET", "/EventLog/export.csv", Admin, Auditor),
        Api("GET", "/EventLog/export.jsonl", Admin, Auditor),
        Api("GET", "/EventLog/activity?range=hour", Admin, Auditor),
        Page("/Student", Student),
        Page("/Users", Admin),
        Page("/Users?q=student&p=1", Admin),
        Page("/Users/Create", Admin),
        Page("/Users/Details/{student}", Admin),
        Page("/Users/Delete/{student}", Admin),
        Page("/Classes", Admin),
        Page("/Classes/Create", Admin),
        Page("/Classes/Details/1", Admin),
        Page("/Identity/Account/Manage", Everyone),
        Page("/Identity/Account/Manage/ChangePassword", Everyone),
        Page("/Identity/Account/Manage/PersonalData", Everyone),
        // API tokens: for the roles that send events. An empty name is refused on the page; token 0 does not exist.
        Page("/Identity/Account/Manage/ApiTokens", Admin, Teacher),
        new Route("POST", "/Identity/Account/Manage/ApiTokens?handler=Create", RouteKind.Page, Admin, Teacher) { Body = "Name=" },
        new Route("POST", "/Identity/Account/Manage/ApiTokens?handler=Revoke", RouteKind.Page, Admin, Teacher) { Body = "id=0", AllowedStatus = HttpStatusCode.Redirect },
        // Who is signed in, for a separate dashboard: every signed-in role; anonymous gets 401 problem+json.
        Api("GET", "/api/session", Everyone),
        Api("POST", "/pusher/auth", Everyone) with { Body = "socket_id=1234.5678&channel_name=private-user-{me}" },
        Api("POST", "/pusher/user-auth", Everyone) with { Body = "socket_id=1234.5678" },
        Api("POST", "/realtime/trigger", Admin, Teacher) with { Body = """{"channel":"private-class-1","event":"role-matrix","data":"{}"}""" },
        Api("POST", "/hubs/console/negotiate?negotiateVersion=1", Admin, Teacher, Auditor),
        Api("GET", "/metrics", Admin),
        Public("/Identity/Account/Login"),
        Public("/health/live"),
        Public("/health/ready"),
        Public("/lib/bootstrap/dist/css/bootstrap.min.css"),
    ];

    public static TheoryData<Route, Who> Cases()
    {
        var data = new TheoryData<Route, Who>();
        foreach (var route in Table)
            foreach (var who in Enum.GetValues<Who>())
                data.Add(route, who);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_role_gets_exactly_the_routes_it_is_allowed(Route route, Who who)
    {
        var client = await console.ClientAsync(who);
        var path = await console.ResolveAsync(route.Path, who);
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Method != "GET")
        {
            var body = await console.ResolveAsync(route.Body ?? "", who);
            request.Content = body.StartsWith('{')
                ? new StringContent(body, Encoding.UTF8, "application/json")
                : new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded");
            request.Headers.Add("RequestVerificationToken", await client.GetAntiforgeryTokenAsync(who == Who.Anonymous ? "/Identity/Account/Login" : "/Identity/Account/Manage"));
        }

        using var response = await client.SendAsync(request);

        var status = response.StatusCode;
        var location = response.Headers.Location?.OriginalString;
        if (route.Kind == RouteKind.Public)
            Assert.Equal(HttpStatusCode.OK, status);
        else if (who == Who.Anonymous && route.Kind == RouteKind.Page)
        {
            Assert.Equal(HttpStatusCode.Redirect, status);
            Assert.StartsWith("http://localhost/Identity/Account/Login?ReturnUrl=", location);
        }
        else if (who == Who.Anonymous)
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        else if (route.Allowed.Contains(who) && route.RedirectsToHome.TryGetValue(who, out var home))
        {
            Assert.Equal(HttpStatusCode.Redirect, status);
            Assert.Equal(home, location);
        }
        else if (route.Allowed.Contains(who))
            Assert.True(route.AllowedStatus == status, $"{who} {route}: expected {(int)route.AllowedStatus}, got {(int)status} {location}");
        else if (route.OthersRedirectTo is { } target)
        {
            Assert.Equal(HttpStatusCode.Redirect, status);
            Assert.Equal(target, location);
        }
        else
            Assert.True(status == HttpStatusCode.Forbidden, $"{who} {route}: expected 403, got {(int)status} {location}");
    }

    [Fact]
    public void Every_page_in_the_web_project_has_a_line_in_the_table()
    {
        var webRoot = Path.Combine(RepositoryRoot.Path, "src", "AdminConsole.Web");
        var pages = Directory.EnumerateFiles(webRoot, "*.cshtml", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(f => (Path: "/" + Path.GetRelativePath(webRoot, f).Replace('\\', '/')[..^".cshtml".Length], Directive: File.ReadLines(f).FirstOrDefault()))
            .Where(p => p.Directive?.StartsWith("@page") == true)
            .Where(p => !p.Path.StartsWith("/Errors/") && !p.Path.StartsWith("/Areas/")) // error pages render for everyone; Identity's are listed by URL
                                                                                         // A page with a route template (@page "/Channels") is served there; others at their folder path.
            .Select(p => p.Directive!.Split('"') is [_, var template, ..] && template.StartsWith('/') ? template : p.Path)
            .Select(p => p.EndsWith("/Index") ? p[..^"/Index".Length] : p);
        var listed = Table.Select(r => r.Path.Split('?')[0]).ToHashSet();

        var missing = pages.Where(p => !listed.Contains(p) && !listed.Any(l => l.StartsWith(p + "/"))).ToList();

        Assert.True(missing.Count == 0, "Pages without a role-matrix line: " + string.Join(", ", missing));
    }

    /// <summary>
    /// The console (with Pusher configured against a loopback API, so the realtime endpoints answer for real) and one
    /// signed-in client per demo role, shared by all the matrix's cases.
    /// </summary>
    public sealed class Console : PusherConsoleFactory
    {
        // The matrix asserts who gets through, not how fast: on a loaded CI machine the loopback API can take longer
        // than the 1 s the Pusher tests use, and a timeout (502) would read as a wrong answer.
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Pusher:Timeout", "00:00:30")];

        private readonly ConcurrentDictionary<Who, Lazy<Task<HttpClient>>> _clients = new();
        private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _ids = new();

        public Task<HttpClient> ClientAsync(Who who) => _clients.GetOrAdd(who, w => new(() => w switch
        {
            Who.Anonymous => Task.FromResult(CreateBrowserLikeClient()),
            Who.Student => SignInAsync(DemoUser.Student),
            Who.Teacher => SignInAsync(DemoUser.Teacher),
            Who.Auditor => SignInAsync(DemoUser.Auditor),
            _ => SignInAsync(DemoUser.Admin),
        })).Value;

        public async Task<string> ResolveAsync(string path, Who who)
        {
            var me = who switch { Who.Student => DemoUser.Student, Who.Teacher => DemoUser.Teacher, Who.Auditor => DemoUser.Auditor, _ => DemoUser.Admin };
            foreach (var (token, user) in new[] { ("{student}", DemoUser.Student), ("{teacher}", DemoUser.Teacher), ("{admin}", DemoUser.Admin), ("{me}", me) })
                if (path.Contains(token))
                    path = path.Replace(token, await _ids.GetOrAdd(user.Email, e => new(() => this.UserIdAsync(e))).Value);
            return path;
        }
    }
}
