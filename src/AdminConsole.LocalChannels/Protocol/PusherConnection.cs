using System.Net.WebSockets;

namespace AdminConsole.LocalChannels.Protocol;

/// <summary>One WebSocket client: its socket id, subscriptions, signed-in user and an ordered outbound queue.</summary>
/// <remarks>
/// A WebSocket allows one send at a time. When the socket is idle, <see cref="Send"/> writes on the caller's thread
/// (small frames complete synchronously), which spares fan-out a thread-pool hop per subscriber; while a send is
/// in flight, frames queue behind it and the in-flight send drains them in order. A client whose queue exceeds
/// its bound is disconnected rather than slowing every other client or growing memory.
/// </remarks>
public sealed class PusherConnection
{
    private readonly WebSocket _socket;
    private readonly int _maxPending;
    private readonly CancellationToken _aborted;
    private readonly object _gate = new();
    private readonly object _sendGate = new();
    private readonly Queue<OutboundFrame> _pending = new();
    private readonly HashSet<string> _channels = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _sending;
    private bool _closeQueued;
    private bool _finished;
    private long _lastActivityTicks;
    private long _rateWindowStart;
    private int _rateCount;
    private volatile bool _pingOutstanding;

    private readonly LocalChannelsMetrics _metrics;

    internal PusherConnection(string socketId, WebSocket socket, int maxPendingFrames, TimeProvider time, LocalChannelsMetrics metrics, CancellationToken aborted)
    {
        _metrics = metrics;
        SocketId = socketId;
        _socket = socket;
        _maxPending = maxPendingFrames;
        _aborted = aborted;
        Time = time;
        Touch();
    }

    public string SocketId { get; }
    internal TimeProvider Time { get; }

    /// <summary>Set by a successful <c>pusher:signin</c>.</summary>
    public string? UserId { get; internal set; }

    /// <summary>True once we sent <c>pusher:ping</c> because the client went quiet; cleared by any message from it.</summary>
    internal bool PingOutstanding
    {
        get => _pingOutstanding;
        set => _pingOutstanding = value;
    }

    internal DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>Completes when the outbound side is done: close frame sent, or the socket failed.</summary>
    internal Task Completion => _completion.Task;

    internal void Touch()
    {
        Interlocked.Exchange(ref _lastActivityTicks, Time.GetUtcNow().UtcTicks);
        _pingOutstanding = false;
    }

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

    /// <summary>Sends a UTF-8 JSON text frame after everything sent before it; dropped once the connection is closing.</summary>
    public void Send(ReadOnlyMemory<byte> utf8Json) => Enqueue(new OutboundFrame(utf8Json, 0, null));

    /// <summary>Sends a close frame after everything already queued; later sends are dropped.</summary>
    public void Close(int code, string reason) => Enqueue(new OutboundFrame(default, code, reason));

    private void Enqueue(OutboundFrame frame)
    {
        lock (_sendGate)
        {
            if (_closeQueued || _finished) return;
            if (frame.CloseCode != 0) _closeQueued = true;
            if (_sending)
            {
                if (_pending.Count >= _maxPending && frame.CloseCode == 0)
                {
                    // Too slow to keep up: drop what it has not read and let the receive side clean up.
                    _pending.Clear();
                    _closeQueued = true;
                    _finished = true;
                    _socket.Abort();
                    _completion.TrySetResult();
                    return;
                }
                _pending.Enqueue(frame);
                return;
            }
            _sending = true;
        }
        _ = PumpAsync(frame);
    }

    /// <summary>Runs synchronously on the caller's thread until a send has to wait; then drains the queue asynchronously.</summary>
    private async Task PumpAsync(OutboundFrame frame)
    {
        try
        {
            while (true)
            {
                if (frame.CloseCode != 0)
                {
                    await SendCloseAsync(frame).ConfigureAwait(false);
                    Finish();
                    return;
                }
                if (_socket.State != WebSocketState.Open)
                {
                    Finish();
                    return;
                }
                await _socket.SendAsync(frame.Payload, WebSocketMessageType.Text, true, _aborted).ConfigureAwait(false);
                _metrics.MessageSent();
                lock (_sendGate)
                {
                    if (_pending.Count == 0)
                    {
                        _sending = false;
                        return;
                    }
                    frame = _pending.Dequeue();
                }
            }
        }
        catch (Exception)
        {
            // Whatever failed, this socket can no longer send: mark the outbound side finished so nothing waits on it;
            // the receive side notices the dead socket and cleans up the subscriptions.
            Finish();
        }
    }

    private async Task SendCloseAsync(OutboundFrame frame)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_aborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        await _socket.CloseOutputAsync((WebSocketCloseStatus)frame.CloseCode, frame.Reason, timeout.Token).ConfigureAwait(false);
        // A client that never answers the close handshake would keep the receive loop waiting forever.
        _ = Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ =>
        {
            if (_socket.State != WebSocketState.Closed) _socket.Abort();
        }, TaskScheduler.Default);
    }

    private void Finish()
    {
        lock (_sendGate)
        {
            _finished = true;
            _closeQueued = true;
            _pending.Clear();
            _sending = false;
        }
        _completion.TrySetResult();
    }

    private readonly record struct OutboundFrame(ReadOnlyMemory<byte> Payload, int CloseCode, string? Reason);
}
