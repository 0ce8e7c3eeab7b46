using System.Net;
using System.Text.Json;
using AdminConsole.Web.Classes;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Classes;

/// <summary>Every class administration action through the real pages, posted as a browser posts them.</summary>
public abstract class ClassAdministrationTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : ConsoleFactory
{
    private static JsonElement Json(AuditEntry e) => JsonDocument.Parse(e.Data!).RootElement;

    private async Task<(HttpClient Admin, int Id)> CreateClassAsync(string name)
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var response = await admin.PostFormAsync("/Classes/Create", new() { ["Input.Name"] = name });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var id = int.Parse(response.Headers.Location!.OriginalString.Split('/').Last().Split('?')[0]);
        return (admin, id);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient admin, int id, string handler, Dictionary<string, string> fields) =>
        admin.PostFormAsync($"/Classes/Details/{id}?handler={handler}", fields, formPageUrl: $"/Classes/Details/{id}");

    [Fact]
    public async Task Admin_creates_a_class_whose_page_shows_its_channel_names_and_the_creation_is_audited()
    {
        var (admin, id) = await CreateClassAsync("Chemistry 9C");

        var page = await admin.GetDocumentAsync($"/Classes/Details/{id}");
        var channels = page.QuerySelectorAll("[data-testid=channels] code").Select(c => c.TextContent).ToList();
        Assert.Equal([$"private-class-{id}", $"presence-class-{id}", $"private-encrypted-class-{id}"], channels);
        Assert.Equal("Chemistry 9C", page.QuerySelector("h1")!.TextContent.Trim());
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.ClassCreated, $"class:{id}"));
        Assert.Equal("Chemistry 9C", Json(entry).GetProperty("after").GetProperty("name").GetString());
        Assert.Equal($"private-class-{id}", entry.Channel);
        Assert.Contains("Chemistry 9C", (await admin.GetDocumentAsync("/Classes")).QuerySelector("[data-testid=classes]")!.TextContent);
    }

    [Fact]
    public async Task A_duplicate_or_empty_name_is_refused_with_a_message()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var classes = await factory.QueryAsync(db => db.Classes.CountAsync());

        var duplicate = await admin.PostFormAsync("/Classes/Create", new() { ["Input.Name"] = "physics 7a" });
        var empty = await admin.PostFormAsync("/Classes/Create", new() { ["Input.Name"] = "" });

        Assert.Equal(HttpStatusCode.OK, duplicate.StatusCode);
        Assert.Contains("already exists", await duplicate.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Contains("The Name field is required", await empty.Content.ReadAsStringAsync());
        Assert.Equal(classes, await factory.QueryAsync(db => db.Classes.CountAsync()));
    }

    [Fact]
    public async Task Admin_renames_a_class_and_the_rename_is_audited_with_before_and_after()
    {
        var (admin, id) = await CreateClassAsync("Biology 1");

        var response = await PostAsync(admin, id, "Rename", new() { ["Rename.Name"] = "Biology 10A" });

        Assert.Equal("Renamed to Biology 10A.", await admin.FollowStatusMessageAsync(response));
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.ClassRenamed, $"class:{id}"));
        Assert.Equal("Biology 1", Json(entry).GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("Biology 10A", Json(entry).GetProperty("after").GetProperty("name").GetString());

        var clash = await PostAsync(admin, id, "Rename", new() { ["Rename.Name"] = "History 8B" });
        Assert.Equal(HttpStatusCode.OK, clash.StatusCode);
        Assert.Contains("already exists", await clash.Content.ReadAsStringAsync());
        Assert.Equal("Biology 10A", await factory.QueryAsync(async db => (await db.Classes.FindAsync(id))!.Name));
    }

    [Fact]
    public async Task Admin_archives_and_restores_a_class_and_archived_classes_are_hidden_from_the_list_by_default()
    {
        var (admin, id) = await CreateClassAsync("Latin 5");

        var archive = await PostAsync(admin, id, "Archive", []);

        Assert.StartsWith("Archived", await admin.FollowStatusMessageAsync(archive));
        Assert.True(await factory.QueryAsync(async db => (await db.Classes.FindAsync(id))!.Archived));
        Assert.DoesNotContain("Latin 5", (await admin.GetDocumentAsync("/Classes")).Body!.TextContent);
        Assert.Contains("Latin 5", (await admin.GetDocumentAsync("/Classes?ShowArchived=true")).Body!.TextContent);
        var archived = Assert.Single(await factory.AuditAsync(AuditKinds.ClassArchived, $"class:{id}"));
        Assert.False(Json(archived).GetProperty("before").GetProperty("archived").GetBoolean());
        Assert.True(Json(archived).GetProperty("after").GetProperty("archived").GetBoolean());

        var restore = await PostAsync(admin, id, "Restore", []);

        Assert.Equal("Restored.", await admin.FollowStatusMessageAsync(restore));
        Assert.False(await factory.QueryAsync(async db => (await db.Classes.FindAsync(id))!.Archived));
        Assert.Single(await factory.AuditAsync(AuditKinds.ClassRestored, $"class:{id}"));
    }

    [Fact]
    public async Task Admin_assigns_a_teacher_enrols_a_student_sees_them_and_removes_them_each_audited()
    {
        var (admin, id) = await CreateClassAsync("Music 6");
        var teacherId = await factory.UserIdAsync(DemoUser.Teacher.Email);
        var studentId = await factory.UserIdAsync(DemoUser.Student.Email);

        var before = await admin.GetDocumentAsync($"/Classes/Details/{id}");
        Assert.Contains(teacherId, before.QuerySelectorAll("#AddTeacher-user option").Select(o => o.GetAttribute("value")));
        Assert.Contains(studentId, before.QuerySelectorAll("#AddStudent-user option").Select(o => o.GetAttribute("value")));

        Assert.Equal("Teacher assigned.", await admin.FollowStatusMessageAsync(await PostAsync(admin, id, "AddTeacher", new() { ["userId"] = teacherId })));
        Assert.Equal("Student enrolled.", await admin.FollowStatusMessageAsync(await PostAsync(admin, id, "AddStudent", new() { ["userId"] = studentId })));

        var page = await admin.GetDocumentAsync($"/Classes/Details/{id}");
        Assert.Contains("Tom Teacher", page.QuerySelector("[data-testid=teachers]")!.TextContent);
        Assert.Contains("Sam Student", page.QuerySelector("[data-testid=students]")!.TextContent);
        Assert.DoesNotContain(teacherId, page.QuerySelectorAll("#AddTeacher-user option").Select(o => o.GetAttribute("value")));
        var added = await factory.AuditAsync(AuditKinds.ClassMemberAdded, $"class:{id}");
        Assert.Equal(["Teacher", "Student"], added.Select(e => Json(e).GetProperty("member").GetProperty("role").GetString()));
        Assert.Equal(studentId, Json(added[1]).GetProperty("after").GetProperty("students")[0].GetString());
        Assert.Equal(0, Json(added[1]).GetProperty("before").GetProperty("students").GetArrayLength());
        Assert.All(added, e => Assert.Equal($"private-class-{id}", e.Channel));

        Assert.Equal("Removed from the class.", await admin.FollowStatusMessageAsync(await PostAsync(admin, id, "RemoveMember", new() { ["userId"] = studentId })));
        Assert.Equal(0, await factory.QueryAsync(db => db.ClassMemberships.CountAsync(m => m.ClassId == id && m.UserId == studentId)));
        var removed = Assert.Single(await factory.AuditAsync(AuditKinds.ClassMemberRemoved, $"class:{id}"));
        Assert.Equal(DemoUser.Student.Email, Json(removed).GetProperty("member").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Only_teachers_can_be_assigned_and_only_students_enrolled()
    {
        var (admin, id) = await CreateClassAsync("Art 2");
        var studentId = await factory.UserIdAsync(DemoUser.Student.Email);
        var auditorId = await factory.UserIdAsync(DemoUser.Auditor.Email);

        var studentAsTeacher = await PostAsync(admin, id, "AddTeacher", new() { ["userId"] = studentId });
        Assert.Equal("Error: Choose a user with the Teacher role.", await admin.FollowStatusMessageAsync(studentAsTeacher));
        var auditorAsStudent = await PostAsync(admin, id, "AddStudent", new() { ["userId"] = auditorId });
        Assert.Equal("Error: Choose a user with the Student role.", await admin.FollowStatusMessageAsync(auditorAsStudent));
        Assert.Equal(0, await factory.QueryAsync(db => db.ClassMemberships.CountAsync(m => m.ClassId == id)));
        Assert.Empty(await factory.AuditAsync(AuditKinds.ClassMemberAdded, $"class:{id}"));
    }

    [Fact]
    public async Task The_search_narrows_the_candidates()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);

        var page = await admin.GetDocumentAsync("/Classes/Details/1?find=zo%C3%AB");

        var students = page.QuerySelectorAll("#AddStudent-user option[value]:not([value=''])").Select(o => o.TextContent).ToList();
        Assert.Equal(["Zoë Student (student2@school.test)"], students);
        Assert.Empty(page.QuerySelectorAll("#AddTeacher-user option[value]:not([value=''])"));
    }

    [Fact]
    public async Task Unknown_class_is_404()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/Classes/Details/99999")).StatusCode);
    }
}

public sealed class ClassAdministrationTests(ConsoleFactory factory) : ClassAdministrationTests<ConsoleFactory>(factory);

public sealed class ClassAdministrationTestsOnPostgres(ConsoleFactory.OnPostgres factory) : ClassAdministrationTests<ConsoleFactory.OnPostgres>(factory);
