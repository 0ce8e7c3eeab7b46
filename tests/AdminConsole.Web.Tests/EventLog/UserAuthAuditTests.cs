using System.Net;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.EventLog;

/// <summary>The one written kind that had no test causing it (found by <see cref="AuditKindCoverageTests"/>).</summary>
public class UserAuthAuditTests(PusherConsoleFactory console) : IClassFixture<PusherConsoleFactory>
{
    [Fact]
    public async Task A_user_sign_in_to_Pusher_writes_a_user_auth_entry_with_its_outcome()
    {
        var client = await console.SignInAsync(DemoUser.OtherStudent);
        var ok = await client.PostAsync("/pusher/user-auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "77.8801" }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var malformed = await client.PostAsync("/pusher/user-auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "77.8802\n" }));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var userId = await console.UserIdAsync(DemoUser.OtherStudent);
        await console.EventuallyAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.UserAuth && a.ActorId == userId).ContinueWith(t => t.Result >= 2), "both user sign-ins audited");
        var entries = await console.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.UserAuth && a.ActorId == userId).ToListAsync());

        var allowed = Assert.Single(entries, e => e.Outcome == "allowed");
        Assert.Equal(DemoUser.OtherStudent.Email, allowed.ActorName);
        Assert.Contains("77.8801", allowed.Data);
        Assert.Single(entries, e => e.Outcome == "malformed");
    }
}
