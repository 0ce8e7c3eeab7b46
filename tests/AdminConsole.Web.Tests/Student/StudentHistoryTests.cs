using System.Text.Json;
using AdminConsole.Web.Compose;
using AdminConsole.Web.Data;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Student;

/// <summary>The student's page lists the stored sends they may see (the rules of /pusher/auth), newest first, 50 a page.</summary>
public abstract class StudentHistoryTests<TFactory> : IAsyncLifetime where TFactory : ConsoleFactory, new()
{
    private readonly TFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    private async Task<long> SendAsync(string channel, string title, SendStatus status = SendStatus.Sent, DateTime? at = null)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var sent = new SentEvent
        {
            SenderId = "t", SenderName = "teacher@school.test", Channels = JsonSerializer.Serialize(new[] { channel }), ChannelCount = 1,
            EventName = "announcement", Data = JsonSerializer.Serialize(new { title, body = "b", level = "info" }),
            CreatedUtc = at ?? DateTime.UtcNow, Status = status,
        };
        db.Add(sent);
        await db.SaveChangesAsync();
        return sent.Id;
    }

    private static List<string> Titles(AngleSharp.Html.Dom.IHtmlDocument doc) =>
        doc.QuerySelectorAll("[data-testid=announcement] [data-field=title]").Select(e => e.TextContent).ToList();

    [Fact]
    public async Task Only_what_the_student_may_see_newest_first_with_encrypted_sends_and_older_pages()
    {
        _ = _factory.Server;
        var sam = await _factory.UserIdAsync(DemoUser.Student.Email);
        var zoe = await _factory.UserIdAsync(DemoUser.OtherStudent.Email);
        var old = DateTime.UtcNow.AddDays(-2);
        for (var i = 0; i < 49; i++)
            await SendAsync("public", $"school {i}", at: old);
        await SendAsync("private-class-1", "class one", at: old);
        await SendAsync("private-encrypted-class-1", "class one secret", at: old);
        await SendAsync($"private-user-{sam}", "just sam", at: old);
        await SendAsync($"private-user-{zoe}", "just zoe", at: old);
        await SendAsync("private-class-2", "class two", at: old);
        await SendAsync("private-class-1", "failed", SendStatus.Failed, at: old);

        var client = await _factory.SignInAsync(DemoUser.Student);
        var first = await client.GetDocumentAsync("/Student");
        var titles = Titles(first);
        Assert.Equal(50, titles.Count);
        Assert.Equal(["just sam", "class one secret", "class one", "school 48"], titles.Take(4));
        Assert.DoesNotContain("just zoe", titles);
        Assert.DoesNotContain("class two", titles);
        Assert.DoesNotContain("failed", titles);
        Assert.NotNull(first.QuerySelector("[data-source=private-encrypted-class-1] [data-field=encrypted]"));
        // First visit: nothing is marked new (there was no earlier visit to compare with).
        Assert.Empty(first.QuerySelectorAll("[data-new]"));

        var older = first.QuerySelector("[data-testid=older-announcements]")!.GetAttribute("href")!;
        var second = Titles(await client.GetDocumentAsync(older));
        Assert.Equal(["school 1", "school 0"], second);
    }

    [Fact]
    public async Task Sends_since_the_last_visit_are_marked_new_once()
    {
        _ = _factory.Server;
        var client = await _factory.SignInAsync(DemoUser.Student);
        await SendAsync("private-class-1", "before the visit", at: DateTime.UtcNow.AddHours(-1));
        await client.GetDocumentAsync("/Student");
        // Stamped now: after the first visit finished and before the next one starts (a stamp in the future stayed "new").
        await SendAsync("private-class-1", "after the visit");

        var next = await client.GetDocumentAsync("/Student");
        var marked = next.QuerySelectorAll("[data-new] [data-field=title]").Select(e => e.TextContent).ToList();
        Assert.Equal(["after the visit"], marked);

        var again = await client.GetDocumentAsync("/Student");
        Assert.Empty(again.QuerySelectorAll("[data-new]"));
    }
}

public sealed class StudentHistoryTests : StudentHistoryTests<ConsoleFactory>;

public sealed class StudentHistoryTestsOnPostgres : StudentHistoryTests<ConsoleFactory.OnPostgres>;
