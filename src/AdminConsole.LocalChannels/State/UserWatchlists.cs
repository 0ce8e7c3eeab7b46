using AdminConsole.LocalChannels.Protocol;

namespace AdminConsole.LocalChannels.State;

/// <summary>
/// Who is signed in (by user id, counting connections) and who watches whom: a user is online from their first
/// signed-in connection to their last, and each change is sent to the connections whose watchlist names them.
/// </summary>
public sealed class UserWatchlists
{
    /// <summary>Pusher keeps the first 100 ids of a longer watchlist and reports 4302.</summary>
    public const int MaxWatchlist = 100;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _online = new(StringComparer.Ordinal);
    private readonly Dictionary<PusherConnection, HashSet<string>> _watchers = [];

    public bool IsOnline(string userId)
    {
        lock (_gate) return _online.ContainsKey(userId);
    }

    internal void SignedIn(PusherConnection connection, string userId, IReadOnlyList<string> watchlist)
    {
        List<PusherConnection> notify = [];
        List<string> alreadyOnline;
        lock (_gate)
        {
            if (watchlist.Count > 0) _watchers[connection] = new HashSet<string>(watchlist, StringComparer.Ordinal);
            var count = _online.GetValueOrDefault(userId) + 1;
            _online[userId] = count;
            if (count == 1)
            {
                foreach (var (watcher, watched) in _watchers)
                {
                    if (!ReferenceEquals(watcher, connection) && watched.Contains(userId)) notify.Add(watcher);
                }
            }
            alreadyOnline = [.. watchlist.Where(_online.ContainsKey)];
        }
        if (alreadyOnline.Count > 0) connection.Send(Frame("online", alreadyOnline));
        if (notify.Count > 0)
        {
            var frame = Frame("online", [userId]);
            foreach (var c in notify) c.Send(frame);
        }
    }

    internal void Disconnected(PusherConnection connection)
    {
        List<PusherConnection> notify = [];
        var userId = connection.UserId;
        lock (_gate)
        {
            _watchers.Remove(connection);
            if (userId is null || !_online.TryGetValue(userId, out var count)) return;
            if (count > 1)
            {
                _online[userId] = count - 1;
                return;
            }
            _online.Remove(userId);
            foreach (var (watcher, watched) in _watchers)
            {
                if (watched.Contains(userId)) notify.Add(watcher);
            }
        }
        var frame = Frame("offline", [userId]);
        foreach (var c in notify) c.Send(frame);
    }

    private static byte[] Frame(string name, IReadOnlyList<string> userIds) =>
        Frames.Event("pusher_internal:watchlist_events", null, Frames.Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteStartArray("user_ids");
            foreach (var id in userIds) w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }));
}
