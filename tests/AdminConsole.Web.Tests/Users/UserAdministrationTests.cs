using System.Net;
using System.Text.Json;
using AdminConsole.Web.Classes;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Users;

/// <summary>Every user administration action through the real pages, posted as a browser posts them.</summary>
public abstract class UserAdministrationTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : ConsoleFactory
{
    private static JsonElement Json(AuditEntry e) => JsonDocument.Parse(e.Data!).RootElement;

    private static string[] RolesIn(JsonElement snapshot) =>
        [.. snapshot.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)];

    /// <summary>Where the login form sends the browser: "/" signed in, the Lockout page, or null (form shown again).</summary>
    private async Task<string?> SignInRedirectAsync(string email, string password)
    {
        var response = await factory.CreateBrowserLikeClient().PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
        return response.StatusCode == HttpStatusCode.Redirect ? response.Headers.Location!.OriginalString : null;
    }

    [Fact]
    public async Task Admin_creates_a_user_with_a_password_and_roles_and_the_creation_is_audited()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var response = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = "new.teacher@school.test",
            ["Input.DisplayName"] = "Nina New",
            ["Input.Roles"] = "Teacher",
            ["Input.Password"] = "Chosen-pw-2026!",
        });

        var status = await admin.FollowStatusMessageAsync(response);
        Assert.Equal("Created new.teacher@school.test.", status);
        var id = await factory.UserIdAsync("new.teacher@school.test");
        Assert.Equal($"/Users/Details/{id}", response.Headers.Location!.OriginalString);
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.UserCreated, $"user:{id}"));
        Assert.Equal(await factory.UserIdAsync(DemoUser.Admin.Email), entry.ActorId);
        Assert.Equal(JsonValueKind.Null, Json(entry).GetProperty("before").ValueKind);
        Assert.Equal(["Teacher"], RolesIn(Json(entry).GetProperty("after")));
        Assert.Equal("Nina New", Json(entry).GetProperty("after").GetProperty("displayName").GetString());
        Assert.DoesNotContain("Chosen-pw-2026!", entry.Data);

        // The password is the administrator's choice: the new user replaces it first (Security/PasswordChangeRequiredTests).
        var newUser = await factory.SignInAsync("new.teacher@school.test", "Chosen-pw-2026!");
        Assert.Equal("/Identity/Account/Manage/ChangePassword", (await newUser.GetAsync("/Compose")).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_generated_password_is_shown_once_and_signs_in()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var response = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = "generated@school.test",
            ["Input.DisplayName"] = "Gen Erated",
            ["Input.Roles"] = "Student",
            ["Input.Password"] = "",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var details = response.Headers.Location!.OriginalString;

        var first = await admin.GetAsync(details);
        Assert.True(first.Headers.CacheControl?.NoStore);
        var doc = await first.ParseHtmlAsync();
        var password = doc.QuerySelector("[data-testid=generated-password] code")!.TextContent.Trim();
        Assert.Matches("^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$", password);

        var second = await admin.GetDocumentAsync(details);
        Assert.Null(second.QuerySelector("[data-testid=generated-password]"));
        Assert.DoesNotContain(password, (await factory.AuditAsync(AuditKinds.UserCreated)).Select(e => e.Data).Single(d => d!.Contains("generated@school.test")));

        var student = await factory.SignInAsync("generated@school.test", password);
        Assert.Equal("/Identity/Account/Manage/ChangePassword", (await student.GetAsync("/")).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Bad_input_shows_messages_and_keeps_what_was_typed_except_the_password()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var before = await factory.QueryAsync(db => db.Users.CountAsync());

        var duplicate = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = DemoUser.Teacher.Email,
            ["Input.DisplayName"] = "Someone Else",
            ["Input.Password"] = "Another-pw-123",
        });
        var weak = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = "weak@school.test",
            ["Input.DisplayName"] = "Weak Password",
            ["Input.Password"] = "short",
        });

        Assert.Equal(HttpStatusCode.OK, duplicate.StatusCode);
        var dupDoc = await duplicate.ParseHtmlAsync();
        Assert.StartsWith("There is already an account for", dupDoc.QuerySelector("[data-valmsg-for='Input.Email']")!.TextContent);
        Assert.Equal("Someone Else", dupDoc.QuerySelector("#Input_DisplayName")!.GetAttribute("value") ?? "");
        Assert.Equal("", dupDoc.QuerySelector("#Input_Password")!.GetAttribute("value") ?? "");

        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        var weakDoc = await weak.ParseHtmlAsync();
        Assert.Contains("at least 10 characters", weakDoc.QuerySelector("[data-valmsg-for='Input.Password']")!.TextContent);
        Assert.Equal("weak@school.test", weakDoc.QuerySelector("#Input_Email")!.GetAttribute("value") ?? "");

        Assert.Equal(before, await factory.QueryAsync(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task The_list_searches_by_name_or_email_and_pages()
    {
        // Accounts without a password (nobody signs in with them) keep the test fast: no password hashing.
        await factory.QueryAsync(db =>
        {
            for (var i = 0; i < 30; i++)
            {
                var email = $"paging{i:00}@school.test";
                db.Users.Add(new AdminConsole.Web.Data.AppUser { UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email, NormalizedEmail = email.ToUpperInvariant(), DisplayName = $"Paging {i:00}" });
            }
            return db.SaveChangesAsync();
        });
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var search = await admin.GetDocumentAsync("/Users?q=" + Uri.EscapeDataString("Zoë"));
        var names = search.QuerySelectorAll("[data-testid=users] tbody tr td:first-child").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["Zoë Student"], names);
        var byEmail = await admin.GetDocumentAsync("/Users?q=auditor%40school");
        Assert.Single(byEmail.QuerySelectorAll("[data-testid=users] tbody tr"));
        var none = await admin.GetDocumentAsync("/Users?q=%25");
        Assert.NotNull(none.QuerySelector("[data-testid=no-users]")); // % is text, not a wildcard

        var total = await factory.QueryAsync(db => db.Users.CountAsync());
        var page1 = await admin.GetDocumentAsync("/Users");
        var page2 = await admin.GetDocumentAsync("/Users?p=2");
        var rows1 = page1.QuerySelectorAll("[data-testid=users] tbody tr").Select(r => r.TextContent).ToList();
        var rows2 = page2.QuerySelectorAll("[data-testid=users] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Equal(25, rows1.Count);
        Assert.Equal(Math.Min(25, total - 25), rows2.Count);
        Assert.Empty(rows1.Intersect(rows2));
    }

    [Fact]
    public async Task Admin_adds_and_removes_roles_and_each_change_is_audited_with_before_and_after()
    {
        var user = await factory.CreateUserAsync("Student");
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var url = $"/Users/Details/{user.Id}";

        var response = await admin.PostFormAsync(url + "?handler=Roles", new() { ["SelectedRoles"] = "Teacher" }, formPageUrl: url);

        Assert.Equal($"Roles of {user.Email} saved.", await admin.FollowStatusMessageAsync(response));
        var added = Assert.Single(await factory.AuditAsync(AuditKinds.UserRoleAdded, $"user:{user.Id}"));
        var removed = Assert.Single(await factory.AuditAsync(AuditKinds.UserRoleRemoved, $"user:{user.Id}"));
        Assert.Equal("Teacher", Json(added).GetProperty("role").GetString());
        Assert.Equal("Student", Json(removed).GetProperty("role").GetString());
        Assert.Equal(["Student"], RolesIn(Json(added).GetProperty("before")));
        Assert.Equal(["Teacher"], RolesIn(Json(added).GetProperty("after")));

        var teacher = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/Compose")).StatusCode);
    }

    [Fact]
    public async Task Admin_cannot_remove_their_own_admin_role()
    {
        var me = await factory.CreateUserAsync("Admin");
        var admin = await factory.SignInAsync(me.Email!, "Throwaway-pw-123");
        var url = $"/Users/Details/{me.Id}";

        // A crafted post without the hidden Admin field: the server must refuse, not the form.
        var response = await admin.PostFormAsync(url + "?handler=Roles", new() { ["SelectedRoles"] = "Auditor" }, formPageUrl: url);

        Assert.StartsWith("Error: You cannot remove your own Admin role", await admin.FollowStatusMessageAsync(response));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/Users")).StatusCode);
        Assert.Empty(await factory.AuditAsync(AuditKinds.UserRoleRemoved, $"user:{me.Id}"));
        Assert.Empty(await factory.AuditAsync(AuditKinds.UserRoleAdded, $"user:{me.Id}"));
    }

    [Fact]
    public async Task Admin_locks_and_unlocks_a_user_and_a_locked_user_cannot_sign_in()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var url = $"/Users/Details/{user.Id}";

        var lockResponse = await admin.PostFormAsync(url + "?handler=Lock", [], formPageUrl: url);

        Assert.StartsWith($"{user.Email} is locked", await admin.FollowStatusMessageAsync(lockResponse));
        var locked = Assert.Single(await factory.AuditAsync(AuditKinds.UserLocked, $"user:{user.Id}"));
        Assert.Equal(JsonValueKind.Null, Json(locked).GetProperty("before").GetProperty("lockedUntilUtc").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, Json(locked).GetProperty("after").GetProperty("lockedUntilUtc").ValueKind);
        Assert.Equal("/Identity/Account/Lockout", await SignInRedirectAsync(user.Email!, "Throwaway-pw-123"));
        Assert.Contains("Locked by an administrator", (await admin.GetDocumentAsync(url)).QuerySelector("[data-testid=account-status]")!.TextContent);

        var unlockResponse = await admin.PostFormAsync(url + "?handler=Unlock", [], formPageUrl: url);

        Assert.StartsWith($"{user.Email} is unlocked", await admin.FollowStatusMessageAsync(unlockResponse));
        Assert.Single(await factory.AuditAsync(AuditKinds.UserUnlocked, $"user:{user.Id}"));
        Assert.Equal("/", await SignInRedirectAsync(user.Email!, "Throwaway-pw-123"));
    }

    [Fact]
    public async Task Admin_cannot_lock_or_delete_themselves()
    {
        var me = await factory.CreateUserAsync("Admin");
        var admin = await factory.SignInAsync(me.Email!, "Throwaway-pw-123");
        var url = $"/Users/Details/{me.Id}";

        var lockResponse = await admin.PostFormAsync(url + "?handler=Lock", [], formPageUrl: url);
        Assert.Equal("Error: You cannot lock your own account.", await admin.FollowStatusMessageAsync(lockResponse));
        var deleteResponse = await admin.PostFormAsync($"/Users/Delete/{me.Id}", [], formPageUrl: url);
        Assert.Equal("Error: You cannot delete your own account.", await admin.FollowStatusMessageAsync(deleteResponse));
        Assert.Equal(1, await factory.QueryAsync(db => db.Users.CountAsync(u => u.Id == me.Id)));
        Assert.Empty(await factory.AuditAsync(AuditKinds.UserLocked, $"user:{me.Id}"));
        Assert.Empty(await factory.AuditAsync(AuditKinds.UserDeleted, $"user:{me.Id}"));
        var confirm = await admin.GetDocumentAsync($"/Users/Delete/{me.Id}");
        Assert.Contains("You cannot delete your own account", confirm.Body!.TextContent);
        Assert.Null(confirm.QuerySelector("main form[method=post]"));
    }

    [Fact]
    public async Task Admin_deletes_a_user_after_a_confirmation_page_and_the_deletion_is_audited()
    {
        var user = await factory.CreateUserAsync("Student");
        await factory.QueryAsync(async db =>
        {
            db.ClassMemberships.Add(new ClassMembership { ClassId = 1, UserId = user.Id, Role = ClassRole.Student });
            return await db.SaveChangesAsync();
        });
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var confirm = await admin.GetDocumentAsync($"/Users/Delete/{user.Id}");
        Assert.Contains($"Delete {user.Email}", confirm.QuerySelector("main form button")!.TextContent);
        var response = await admin.PostFormAsync($"/Users/Delete/{user.Id}", []);

        Assert.Equal("/Users", response.Headers.Location!.OriginalString);
        Assert.StartsWith($"Deleted {user.Email}.", await admin.FollowStatusMessageAsync(response));
        Assert.Equal(0, await factory.QueryAsync(db => db.Users.CountAsync(u => u.Id == user.Id)));
        Assert.Equal(0, await factory.QueryAsync(db => db.ClassMemberships.CountAsync(m => m.UserId == user.Id)));
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.UserDeleted, $"user:{user.Id}"));
        Assert.Equal(user.Email, Json(entry).GetProperty("before").GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.Null, Json(entry).GetProperty("after").ValueKind);
        Assert.Equal(1, Json(entry).GetProperty("classes")[0].GetProperty("classId").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/Users/Details/{user.Id}")).StatusCode);
    }

    [Fact]
    public async Task Admin_generates_a_new_password_that_replaces_the_old_one()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var url = $"/Users/Details/{user.Id}";

        var response = await admin.PostFormAsync(url + "?handler=ResetPassword", [], formPageUrl: url);
        var page = await admin.GetDocumentAsync(response.Headers.Location!.OriginalString);
        var password = page.QuerySelector("[data-testid=generated-password] code")!.TextContent.Trim();

        await factory.SignInAsync(user.Email!, password);
        await Assert.ThrowsAsync<InvalidOperationException>(() => factory.SignInAsync(user.Email!, "Throwaway-pw-123"));
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.UserPasswordReset, $"user:{user.Id}"));
        Assert.DoesNotContain(password, entry.Data);
    }
}

public sealed class UserAdministrationTests(ConsoleFactory factory) : UserAdministrationTests<ConsoleFactory>(factory);

public sealed class UserAdministrationTestsOnPostgres(ConsoleFactory.OnPostgres factory) : UserAdministrationTests<ConsoleFactory.OnPostgres>(factory);
