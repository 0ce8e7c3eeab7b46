using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Infrastructure;

/// <summary>Looks into the console's database the way an operator would, to check what a page really did.</summary>
public static class ConsoleData
{
    public static async Task<T> QueryAsync<T>(this WebApplicationFactory<Program> factory, Func<AppDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    public static Task<List<AuditEntry>> AuditAsync(this WebApplicationFactory<Program> factory, string kind, string? target = null) =>
        factory.QueryAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.Kind == kind && (target == null || a.Target == target))
            .OrderBy(a => a.Id).ToListAsync());

    public static Task<string> UserIdAsync(this WebApplicationFactory<Program> factory, string email) =>
        factory.QueryAsync(async db => (await db.Users.SingleAsync(u => u.Email == email)).Id);

    /// <summary>A throwaway account for tests that lock, delete or change it, so the demo accounts stay as seeded.</summary>
    public static async Task<AppUser> CreateUserAsync(this WebApplicationFactory<Program> factory, string role, string password = "Throwaway-pw-123")
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var email = $"t{Guid.NewGuid():N}"[..12] + "@school.test";
        var user = new AppUser { UserName = email, Email = email, DisplayName = "Test " + role, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return user;
    }

    public static async Task<IHtmlDocument> GetDocumentAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode}");
        return await response.ParseHtmlAsync();
    }

    public static async Task<IHtmlDocument> ParseHtmlAsync(this HttpResponseMessage response) =>
        new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

    /// <summary>Follows the post-redirect-get of a page and returns the status message it shows.</summary>
    public static async Task<string> FollowStatusMessageAsync(this HttpClient client, HttpResponseMessage postResponse)
    {
        Assert.Equal(System.Net.HttpStatusCode.Redirect, postResponse.StatusCode);
        var page = await client.GetDocumentAsync(postResponse.Headers.Location!.OriginalString);
        return page.QuerySelector("[data-testid=status-message]")?.TextContent.Trim() ?? "";
    }
}
