using System.Net.WebSockets;
using System.Threading.Channels;

namespace AdminConsole.LocalChannels.Protocol;

/// <summary>One WebSocket client: its socket id, subscriptions, signed-in user and an ordered outbound queue.</summary>
/// <remarks>
/// All sends go through one queue drained by one writer task, because a WebSocket allows only one send at a time
/// and because fan-out must never wait on a slow client: publishers enqueue a pre-serialized frame and move on.
/// </remarks>
public sealed class PusherConnection
{
    private readonly WebSocket _socket;
    private readonly Channel<OutboundFrame> _outbound;
    private readonly object _gate = new();
    private readonly HashSet<string> _channels = new(StringComparer.Ordinal);
    private long _lastActivityTicks;
    private long _rateWindowStart;
    private int _rateCount;
    private int _closing;

    internal PusherConnection(string socketId, WebSocket socket, int maxPendingFrames, TimeProvider time)
    {
        SocketId = socketId;
        _socket = socket;
        Time = time;
        _outbound = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(maxPendingFrames)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Touch();
    }

    public string SocketId { get; }
    internal TimeProvider Time { get; }

    /// <summary>Set by a successful <c>pusher:signin</c>.</summary>
    public string? UserId { get; internal set; }

    /// <summary>True once we sent <c>pusher:ping</c> because the client went quiet; cleared by any message from it.</summary>
    internal bool PingOutstanding { get; set; }

    internal DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    internal void Touch()
    {
        Interlocked.Exchange(ref _lastActivityTicks, Time.GetUtcNow().UtcTicks);
        PingOutstanding = false;
    }

    internal bool IsClosing => Volatile.Read(ref _closing) != 0;

    internal bool AddChannel(string channel)
    {
        lock (_gate) return _channels.Add(channel);
    }

    internal bool RemoveChannel(string channel)
    {
        lock (_gate) return _channels.Remove(channel);
    }

    public bool IsSubscribed(string channel)
    {
        lock (_gate) return _channels.Contains(channel);
    }

    internal string[] ChannelsSnapshot()
    {
        lock (_gate) return [.. _channels];
    }

    /// <summary>Counts a client event against the per-second budget; false when over it.</summary>
    internal bool TryConsumeClientEvent(int perSecond)
    {
        var now = Time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            if (now - _rateWindowStart >= TimeSpan.TicksPerSecond)
            {
                _rateWindowStart = now;
                _rateCount = 0;
            }
            return ++_rateCount <= perSecond;
        }
    }

    /// <summary>Queues a UTF-8 JSON text frame; a client too slow to drain its queue is disconnected instead of buffering forever.</summary>
    public void Send(ReadOnlyMemory<byte> utf8Json)
    {
        if (IsClosing) return;
        if (!_outbound.Writer.TryWrite(new OutboundFrame(utf8Json, 0, null)))
        {
            Close(4100, "Client is not reading fast enough");
        }
    }

    /// <summary>Queues a close frame after everything already queued; later sends are dropped.</summary>
    public void Close(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        if (!_outbound.Writer.TryWrite(new OutboundFrame(default, code, reason)))
        {
            // The queue is full of frames the client will not read: drop them and abort.
            _socket.Abort();
        }
        _outbound.Writer.TryComplete();
    }

    /// <summary>Drains the outbound queue until closed; runs once per connection.</summary>
    internal async Task RunWriterAsync(CancellationToken ct)
    {
        try
        {
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    if (frame.CloseCode != 0)
                    {
                        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        {
                            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                            timeout.CancelAfter(TimeSpan.FromSeconds(2));
                            await _socket.CloseOutputAsync((WebSocketCloseStatus)frame.CloseCode, frame.Reason, timeout.Token).ConfigureAwait(false);
                            // A client that never answers the close handshake would keep the receive loop waiting forever.
                            _ = Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ =>
                            {
                                if (_socket.State != WebSocketState.Closed) _socket.Abort();
                            }, TaskScheduler.Default);
                        }
                        return;
                    }
                    if (_socket.State != WebSocketState.Open) return;
                    await _socket.SendAsync(frame.Payload, WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer went away; the reader side notices and cleans up.
        }
        finally
        {
            Interlocked.Exchange(ref _closing, 1);
            _outbound.Writer.TryComplete();
        }
    }

    private readonly record struct OutboundFrame(ReadOnlyMemory<byte> Payload, int CloseCode, string? Reason);
}
