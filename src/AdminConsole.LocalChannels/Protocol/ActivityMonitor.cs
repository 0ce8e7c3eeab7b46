using AdminConsole.LocalChannels.State;
using Microsoft.Extensions.Hosting;

namespace AdminConsole.LocalChannels.Protocol;

/// <summary>
/// Pings clients that have been silent for the activity timeout and closes them with 4201 when the
/// <c>pusher:pong</c> does not come within the pong timeout, as Pusher does. One timer for all connections.
/// </summary>
public sealed class ActivityMonitor : IHostedService, IDisposable
{
    private readonly LocalChannelsOptions _options;
    private readonly ConnectionRegistry _connections;
    private readonly TimeProvider _time;
    private ITimer? _timer;
    private static readonly byte[] PingFrame = Frames.Ping();

    public ActivityMonitor(LocalChannelsOptions options, ConnectionRegistry connections, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        _options = options;
        _connections = connections;
        _time = time;
        // Open WebSockets would hold the host's shutdown until its timeout; 4200 tells clients to reconnect right away.
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var c in _connections.All) c.Close(4200, "Server shutting down");
        });
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Fine enough to honour short test timeouts, coarse enough to cost nothing with real ones.
        var shortest = _options.ActivityTimeout < _options.PongTimeout ? _options.ActivityTimeout : _options.PongTimeout;
        var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _timer = _time.CreateTimer(_ => Sweep(), null, period, period);
        return Task.CompletedTask;
    }

    internal void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var c in _connections.All)
        {
            var silent = now - c.LastActivity;
            if (c.PingOutstanding)
            {
                if (silent >= _options.ActivityTimeout + _options.PongTimeout) c.Close(4201, "Pong reply not received");
            }
            else if (silent >= _options.ActivityTimeout)
            {
                c.PingOutstanding = true;
                c.Send(PingFrame);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();
}
