using System.Data.Common;
using System.Net;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Tests.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WebhookPost = AdminConsole.Web.Tests.Webhooks.Webhook;

namespace AdminConsole.Web.Tests.Occupancy;

/// <summary>
/// Webhooks arrive out of order and more than once. Property: for random streams of occupancy, member and
/// subscription-count events (with deliberately colliding timestamps), every delivery order ends in the same
/// projection as the in-order stream. Run on both providers (the classes at the end): each has its own upserts.
/// </summary>
public abstract class ProjectionOrderTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : WebhookConsole
{
    private sealed record Ev(string Name, string Channel, string? UserId, long? Count, long TimeMs, int Index);

    private static readonly string[] Users = ["u1", "u2", "u3"];

    [Fact]
    public async Task Every_permutation_of_a_random_stream_ends_in_the_in_order_projection()
    {
        const int streams = 60, permutationsPerStream = 25;
        var random = new Random(20261126);
        // The app's own connection settings (on SQLite: no fsync per commit, or 1,700 small commits take seconds).
        await using var scope = console.Services.CreateAsyncScope();
        var connection = await OpenAsync(scope);

        for (var s = 0; s < streams; s++)
        {
            var stream = RandomStream(random, length: random.Next(4, 16));
            var orders = new List<(string Label, IReadOnlyList<Ev> Events)> { ("in-order", stream), ("reversed", stream.AsEnumerable().Reverse().ToList()) };
            for (var p = 0; p < permutationsPerStream; p++)
                orders.Add(($"shuffle {p}", Shuffle(stream, random)));
            // Redelivery: every event twice, in a random order.
            orders.Add(("duplicated", Shuffle(stream.Concat(stream).ToList(), random)));

            string? expected = null;
            for (var o = 0; o < orders.Count; o++)
            {
                var suffix = $"-s{s}o{o}";
                Apply(connection, orders[o].Events, suffix);
                var state = Snapshot(connection, suffix);
                if (expected is null) expected = state;
                else Assert.True(expected == state, $"stream {s}, {orders[o].Label}:\n{Describe(stream)}\nexpected\n{expected}\nactual\n{state}");
            }
        }
    }

    [Fact]
    public async Task Later_events_win_and_stale_ones_are_ignored()
    {
        await using var scope = console.Services.CreateAsyncScope();
        var connection = await OpenAsync(scope);
        Ev[] events =
        [
            new("member_removed", "presence-stale", "u1", null, 3000, 0),
            new("member_added", "presence-stale", "u1", null, 1000, 0), // older than the removal: ignored
            new("channel_vacated", "presence-stale", null, null, 5000, 0),
            new("channel_occupied", "presence-stale", null, null, 4000, 0), // older than the vacate: ignored
            new("member_added", "presence-stale", "u2", null, 4500, 0),
        ];
        Apply(connection, events, "");

        Assert.Equal(
            "presence-stale|presence|occ=False|since=|sub=0|users=1|last=channel_vacated@5000\n  presence-stale/u1 present=False since=3000\n  presence-stale/u2 present=True since=4500\n",
            Snapshot(connection, "", "presence-stale"));
    }

    [Fact]
    public async Task Out_of_order_deliveries_over_http_end_in_the_in_order_state()
    {
        var client = console.CreateClient();
        var t = WebhookPost.NextTimeMs();
        var inOrder = new[]
        {
            WebhookPost.Body(t, WebhookEvent.ChannelOccupied("presence-http-order")),
            WebhookPost.Body(t + 10, WebhookEvent.MemberAdded("presence-http-order", "u1")),
            WebhookPost.Body(t + 20, WebhookEvent.MemberAdded("presence-http-order", "u2")),
            WebhookPost.Body(t + 30, WebhookEvent.MemberRemoved("presence-http-order", "u1")),
            WebhookPost.Body(t + 40, WebhookEvent.MemberRemoved("presence-http-order", "u2")),
            WebhookPost.Body(t + 50, WebhookEvent.ChannelVacated("presence-http-order")),
            WebhookPost.Body(t + 60, WebhookEvent.ChannelOccupied("presence-http-order")),
            WebhookPost.Body(t + 70, WebhookEvent.MemberAdded("presence-http-order", "u2")),
        };

        foreach (var body in inOrder.Reverse())
            Assert.Equal(HttpStatusCode.OK, (await WebhookPost.PostAsync(client, body)).StatusCode);

        var state = await console.QueryAsync(db => db.ChannelStates.SingleAsync(c => c.Channel == "presence-http-order"));
        Assert.Equal((true, t + 60, 1), (state.Occupied, state.OccupiedSinceMs, state.UserCount));
        var members = await console.QueryAsync(db => db.PresenceMembers.Where(m => m.Channel == "presence-http-order").OrderBy(m => m.UserId).ToListAsync());
        Assert.Equal([("u1", false), ("u2", true)], members.Select(m => (m.UserId, m.Present)));
    }

    private static List<Ev> RandomStream(Random random, int length)
    {
        string[] channels = ["presence-room", "public-room"];
        var events = new List<Ev>();
        for (var i = 0; i < length; i++)
        {
            // Few distinct timestamps so that ties happen often; some events share a batch (same time, index).
            var time = 1000L * random.Next(1, 6);
            var index = random.Next(0, 3);
            var channel = channels[random.Next(channels.Length)];
            var user = Users[random.Next(Users.Length)];
            events.Add(random.Next(5) switch
            {
                0 => new Ev("channel_occupied", channel, null, null, time, index),
                1 => new Ev("channel_vacated", channel, null, null, time, index),
                2 => new Ev("member_added", "presence-room", user, null, time, index),
                3 => new Ev("member_removed", "presence-room", user, null, time, index),
                _ => new Ev("subscription_count", "public-room", null, random.Next(0, 4), time, index),
            });
        }
        return events;
    }

    private static List<Ev> Shuffle(List<Ev> events, Random random)
    {
        var copy = events.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(copy));
        return copy;
    }

    /// <summary>The console's database on a connection of the console's own (with its per-connection settings).</summary>
    private static async Task<DbConnection> OpenAsync(AsyncServiceScope scope)
    {
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.OpenConnectionAsync();
        return db.Database.GetDbConnection();
    }

    /// <summary>Applies the events in one transaction through the configured provider's projector, as the webhook writer does.</summary>
    private void Apply(DbConnection connection, IEnumerable<Ev> events, string suffix)
    {
        using var tx = connection.BeginTransaction();
        using (var projector = console.Services.GetRequiredService<IOccupancyProjection>().OpenProjector(tx))
        {
            foreach (var e in events)
                projector.Apply(e.Name, e.Channel + suffix, e.UserId, e.Count, e.TimeMs, e.Index);
            projector.Complete();
        }
        tx.Commit();
    }

    /// <summary>The projection of the channels ending in <paramref name="suffix"/>, with the suffix removed.</summary>
    private static string Snapshot(DbConnection connection, string suffix, string? only = null)
    {
        var sb = new System.Text.StringBuilder();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            SELECT "Channel", "Kind", "Occupied", "OccupiedSinceMs", "SubscriptionCount", "UserCount", "LastEventName", "LastEventMs" FROM "ChannelStates"
            WHERE "Channel" IN (@a, @b, @only) ORDER BY "Channel"
            """;
        Add(cmd, "@a", "presence-room" + suffix);
        Add(cmd, "@b", "public-room" + suffix);
        Add(cmd, "@only", only ?? "");
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                sb.Append($"{Strip(r.GetString(0))}|{r.GetString(1)}|occ={r.GetBoolean(2)}|since={(r.IsDBNull(3) ? "" : r.GetInt64(3))}|sub={(r.IsDBNull(4) ? "" : r.GetInt64(4))}|users={r.GetInt32(5)}|last={r.GetString(6)}@{r.GetInt64(7)}\n");
        cmd.CommandText = """SELECT "Channel", "UserId", "Present", "SinceMs" FROM "PresenceMembers" WHERE "Channel" IN (@a, @only) ORDER BY "Channel", "UserId" """;
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                sb.Append($"  {Strip(r.GetString(0))}/{r.GetString(1)} present={r.GetBoolean(2)} since={r.GetInt64(3)}\n");
        return sb.ToString();

        string Strip(string channel) => suffix.Length > 0 && channel.EndsWith(suffix, StringComparison.Ordinal) ? channel[..^suffix.Length] : channel;
    }

    private static void Add(DbCommand cmd, string name, string value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    private static string Describe(IEnumerable<Ev> events) => string.Join("\n", events.Select(e => $"  {e.TimeMs}/{e.Index} {e.Name} {e.Channel} {e.UserId}{e.Count}"));
}

/// <summary>On SQLite.</summary>
public sealed class ProjectionOrderTests(WebhookConsole console) : ProjectionOrderTests<WebhookConsole>(console);

/// <summary>On PostgreSQL.</summary>
public sealed class ProjectionOrderTestsOnPostgres(WebhookConsole.OnPostgres console) : ProjectionOrderTests<WebhookConsole.OnPostgres>(console);
