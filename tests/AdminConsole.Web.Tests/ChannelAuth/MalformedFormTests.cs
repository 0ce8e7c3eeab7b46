using System.Net;
using System.Text;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.ChannelAuth;

/// <summary>
/// Bodies pusher-js never sends, each of which used to be a 500 on both pusher-js endpoints: now 400 with a
/// plain-text reason (what pusher-js shows), and nothing signed. A body cut off before its end is sent over a real
/// socket in <see cref="Shell.HostileInputTests"/>.
/// </summary>
public class MalformedFormTests(PusherConsoleFactory console) : IClassFixture<PusherConsoleFactory>
{
    public static TheoryData<string, string, string> Bodies()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var endpoint in new[] { "/pusher/auth", "/pusher/user-auth" })
        {
            data.Add(endpoint, "application/x-www-form-urlencoded", "socket_id=1.1&channel_name=private-user-1%00");
            data.Add(endpoint, "application/x-www-form-urlencoded", "socket_id=1.1%00&channel_name=presence-student");
            data.Add(endpoint, "multipart/form-data", "socket_id=1.1");
            data.Add(endpoint, "multipart/form-data; boundary=", "--\r\n");
            data.Add(endpoint, "application/x-www-form-urlencoded", string.Join("&", Enumerable.Range(0, 1025).Select(i => $"f{i}=1")));
            data.Add(endpoint, "application/x-www-form-urlencoded", new string('k', 2049) + "=1&socket_id=1.1");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_form_that_cannot_be_read_is_400_with_a_reason(string endpoint, string contentType, string body)
    {
        var client = await console.SignInAsync(DemoUser.Student);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await client.PostAsync(endpoint, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var reason = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrWhiteSpace(reason));
        Assert.DoesNotContain("\"auth\"", reason);
    }
}
