using System.Net;
using AdminConsole.Web.Tests.Infrastructure;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Users;

/// <summary>Creating a user as a school administrator expects: every mistake named on the first submit, beside its field.</summary>
public class CreateUserTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private static string MessageFor(IHtmlDocument page, string field) =>
        page.QuerySelector($"[data-valmsg-for='{field}']")?.TextContent.Trim() ?? "";

    [Fact]
    public async Task A_taken_email_a_missing_role_and_a_weak_password_are_all_reported_on_the_first_submit()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var before = await factory.QueryAsync(db => db.Users.CountAsync());

        var response = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = "  TEACHER@school.test ",
            ["Input.DisplayName"] = "Someone Else",
            ["Input.Password"] = "short",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseHtmlAsync();
        Assert.Equal("There is already an account for TEACHER@school.test. Find it in the Users list, or use another address.", MessageFor(page, "Input.Email"));
        Assert.StartsWith("Choose at least one role", MessageFor(page, "Input.Roles"));
        Assert.Contains("at least 10 characters", MessageFor(page, "Input.Password"));
        Assert.Equal(before, await factory.QueryAsync(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task A_taken_email_alone_is_one_plain_message()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var response = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = DemoUser.Student.Email,
            ["Input.DisplayName"] = "Sam Again",
            ["Input.Roles"] = "Student",
            ["Input.Password"] = "",
        });

        var page = await response.ParseHtmlAsync();
        Assert.Equal($"There is already an account for {DemoUser.Student.Email}. Find it in the Users list, or use another address.", MessageFor(page, "Input.Email"));
        Assert.Empty(page.QuerySelectorAll(".validation-summary-errors li"));
    }

    [Fact]
    public async Task A_user_without_a_role_is_refused_and_the_form_says_what_a_role_is_for()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var response = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = "no.role@school.test",
            ["Input.DisplayName"] = "No Role",
            ["Input.Password"] = "Chosen-pw-2026!",
        });

        var page = await response.ParseHtmlAsync();
        Assert.Equal("Choose at least one role: a user without one can sign in but sees only their own account page. To keep someone out, lock the account.",
            MessageFor(page, "Input.Roles"));
        Assert.Equal("no.role@school.test", page.QuerySelector("#Input_Email")!.GetAttribute("value"));
        Assert.Equal(0, await factory.QueryAsync(db => db.Users.CountAsync(u => u.Email == "no.role@school.test")));
    }

    [Fact]
    public async Task Removing_every_role_of_an_existing_user_is_refused_too()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var url = $"/Users/Details/{user.Id}";

        var response = await admin.PostFormAsync(url + "?handler=Roles", [], formPageUrl: url);

        Assert.StartsWith("Error: Choose at least one role", await admin.FollowStatusMessageAsync(response));
        Assert.Equal(1, await factory.QueryAsync(db => db.UserRoles.CountAsync(r => r.UserId == user.Id)));
    }

    [Theory]
    [InlineData("zoe")]
    [InlineData("ZOE STU")]
    [InlineData("Zoë")]
    public async Task The_user_search_ignores_accents_and_case(string query)
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var page = await admin.GetDocumentAsync("/Users?q=" + Uri.EscapeDataString(query));

        var names = page.QuerySelectorAll("[data-testid=users] tbody tr td:first-child").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["Zoë Student"], names);
    }

    [Fact]
    public async Task An_accented_query_finds_a_name_typed_without_accents()
    {
        await factory.QueryAsync(db =>
        {
            db.Users.Add(new AdminConsole.Web.Data.AppUser { UserName = "jose@school.test", NormalizedUserName = "JOSE@SCHOOL.TEST", Email = "jose@school.test", NormalizedEmail = "JOSE@SCHOOL.TEST", DisplayName = "Jose Alvarez" });
            return db.SaveChangesAsync();
        });
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var page = await admin.GetDocumentAsync("/Users?q=" + Uri.EscapeDataString("José Álv"));

        Assert.Equal(["Jose Alvarez"], page.QuerySelectorAll("[data-testid=users] tbody tr td:first-child").Select(td => td.TextContent.Trim()));
    }
}
