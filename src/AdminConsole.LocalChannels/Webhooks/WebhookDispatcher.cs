using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using AdminConsole.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AdminConsole.LocalChannels.Webhooks;

/// <summary>
/// Delivers Pusher webhooks to the configured URLs: signed bodies <c>{time_ms, events}</c>, optional batching,
/// delayed channel_vacated/member_removed that are cancelled when the channel or member comes back,
/// and retries with exponential backoff for <see cref="LocalWebhookOptions.RetryFor"/>.
/// </summary>
/// <remarks>
/// An event goes to the URLs configured at the moment it happened, captured by the call that reports it (before the
/// server tells any client about it). An event that happened while no URL was configured is never delivered, even if
/// URLs are set before the queue would have reached it; one that happened under other URLs still goes to those.
/// A delayed channel_vacated / member_removed happened when the channel or member left: the delay only gives it the
/// chance to be cancelled, it does not move it to later URLs.
/// </remarks>
public sealed class WebhookDispatcher : BackgroundService
{
    private readonly LocalChannelsOptions _options;
    private readonly LocalWebhookOptions _hooks;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDispatcher> _log;
    private readonly WebhookSigner _signer;
    private readonly HttpClient _http;
    private readonly Channel<Pending> _queue;
    private readonly ConcurrentDictionary<string, ITimer> _delayed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _deliveries = new();
    private readonly SemaphoreSlim _concurrency = new(16);
    private volatile string[] _urls;
    private long _dropped;
    private long _outstanding;
    private long _delivered;
    private long _failed;
    // Set when the server stops: a delivery that fails then is not retried or reported, since the receiver is
    // usually the host that is stopping too.
    private volatile bool _stopping;

    public WebhookDispatcher(LocalChannelsOptions options, TimeProvider time, ILogger<WebhookDispatcher> log)
    {
        _options = options;
        _hooks = options.Webhooks;
        _time = time;
        _log = log;
        _signer = new WebhookSigner(options.Secret);
        _urls = [.. _hooks.Urls];
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = _hooks.RequestTimeout,
        };
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Math.Max(1, _hooks.QueueCapacity))
        {
            SingleReader = true,
            // Wait mode makes TryWrite report a full queue (DropWrite would claim success), so drops are counted.
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public bool Enabled => _urls.Length > 0;

    /// <summary>Where webhooks go now.</summary>
    public IReadOnlyList<string> Urls => _urls;

    /// <summary>
    /// Replaces the webhook URLs, e.g. once an embedding host knows its own bound address. Only events that happen
    /// after this call go to the new URLs: those already reported (queued, waiting out a delay, or retrying) keep
    /// the targets they had when they happened, and events that happened while no URL was set are not delivered.
    /// </summary>
    public void SetUrls(IEnumerable<string> urls)
    {
        string[] next = [.. urls];
        foreach (var url in next)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"Webhook URL '{url}' is not an absolute http(s) URL.", nameof(urls));
            }
        }
        _urls = next;
    }

    /// <summary>Events refused because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Events accepted but not yet delivered or given up (delayed events not counted until their delay ends).</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);
    /// <summary>channel_vacated / member_removed events waiting out their delay.</summary>
    public int PendingDelayed => _delayed.Count;
    /// <summary>Webhook requests acknowledged with 2xx.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);
    /// <summary>Webhook requests given up after retrying for <see cref="LocalWebhookOptions.RetryFor"/>.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public void ChannelOccupied(string channel)
    {
        // Re-occupied before the delayed vacated went out: to a webhook consumer the channel never emptied.
        if (CancelDelayed(VacatedKey(channel))) return;
        Enqueue(WebhookEvent.ChannelOccupied(channel), _urls);
    }

    public void ChannelVacated(string channel) => EnqueueDelayed(VacatedKey(channel), WebhookEvent.ChannelVacated(channel));

    public void MemberAdded(string channel, string userId)
    {
        if (CancelDelayed(RemovedKey(channel, userId))) return;
        Enqueue(WebhookEvent.MemberAdded(channel, userId), _urls);
    }

    public void MemberRemoved(string channel, string userId) =>
        EnqueueDelayed(RemovedKey(channel, userId), WebhookEvent.MemberRemoved(channel, userId));

    public void ClientEvent(string channel, string eventName, string data, string socketId, string? userId) =>
        Enqueue(WebhookEvent.ClientEvent(channel, eventName, data, socketId, userId), _urls);

    public void CacheMiss(string channel) => Enqueue(WebhookEvent.CacheMiss(channel), _urls);

    public void SubscriptionCount(string channel, int count)
    {
        if (_hooks.SubscriptionCount) Enqueue(WebhookEvent.SubscriptionCountChanged(channel, count), _urls);
    }

    private static string VacatedKey(string channel) => "v\n" + channel;
    private static string RemovedKey(string channel, string userId) => "m\n" + channel + "\n" + userId;

    /// <summary>An event and the URLs that were configured when it happened (the same array for every event between two <see cref="SetUrls"/> calls).</summary>
    private sealed record Pending(WebhookEvent Event, string[] Urls);

    private void Enqueue(WebhookEvent e, string[] urls)
    {
        if (urls.Length == 0) return;
        Interlocked.Increment(ref _outstanding);
        if (!_queue.Writer.TryWrite(new Pending(e, urls)))
        {
            Interlocked.Decrement(ref _outstanding);
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                _log.LogWarning("Webhook queue is full ({Capacity}); dropped {Dropped} events so far", _hooks.QueueCapacity, dropped);
            }
        }
    }

    private void EnqueueDelayed(string key, WebhookEvent e)
    {
        var urls = _urls;
        if (urls.Length == 0) return;
        if (_hooks.VacatedDelay <= TimeSpan.Zero)
        {
            Enqueue(e, urls);
            return;
        }
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            // Only the timer still registered under the key may fire; a cancelled or replaced one stays silent.
            if (timer is not null && _delayed.TryRemove(new KeyValuePair<string, ITimer>(key, timer)))
            {
                Enqueue(e, urls);
                timer.Dispose();
            }
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (_delayed.TryRemove(key, out var previous)) previous.Dispose();
        _delayed[key] = timer;
        timer.Change(_hooks.VacatedDelay, Timeout.InfiniteTimeSpan);
    }

    private bool CancelDelayed(string key)
    {
        if (!_delayed.TryRemove(key, out var timer)) return false;
        timer.Dispose();
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>();
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var first))
                {
                    batch.Clear();
                    batch.Add(first);
                    if (_hooks.Batching) await FillBatchAsync(reader, batch, stoppingToken).ConfigureAwait(false);
                    var body = Encoding.UTF8.GetBytes(new Webhook(_time.GetUtcNow().ToUnixTimeMilliseconds(), [.. batch.Select(p => p.Event)]).ToJson());
                    var signature = _signer.Sign(body);
                    var urls = first.Urls;
                    var tasks = new List<Task>(urls.Length);
                    foreach (var url in urls)
                    {
                        // Caps requests in flight; when all slots are retrying, the queue fills and then drops.
                        await _concurrency.WaitAsync(stoppingToken).ConfigureAwait(false);
                        var task = DeliverAsync(url, body, signature, stoppingToken);
                        _deliveries.TryAdd(task, 0);
                        _ = task.ContinueWith(t => _deliveries.TryRemove(t, out _), TaskScheduler.Default);
                        tasks.Add(task);
                    }
                    var count = batch.Count;
                    _ = Task.WhenAll(tasks).ContinueWith(_ => Interlocked.Add(ref _outstanding, -count), TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Collects events arriving within <see cref="LocalWebhookOptions.BatchWindow"/> of the first one into the same
    /// request, up to the first event that happened under other URLs: one request has one set of targets.
    /// </summary>
    private async Task FillBatchAsync(ChannelReader<Pending> reader, List<Pending> batch, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + _hooks.BatchWindow;
        while (batch.Count < _hooks.MaxBatchSize)
        {
            if (reader.TryPeek(out var more))
            {
                if (!ReferenceEquals(more.Urls, batch[0].Urls)) return;
                reader.TryRead(out _);
                batch.Add(more);
                continue;
            }
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero) return;
            using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(remaining, _time, window.Token);
            var arrived = reader.WaitToReadAsync(window.Token).AsTask();
            var first = await Task.WhenAny(arrived, delay).ConfigureAwait(false);
            await window.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(arrived, delay).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ct.ThrowIfCancellationRequested();
            if (first == delay || !arrived.IsCompletedSuccessfully || !arrived.Result) return;
        }
    }

    private async Task DeliverAsync(string url, byte[] body, string signature, CancellationToken ct)
    {
        try
        {
            var started = _time.GetUtcNow();
            var delay = _hooks.InitialRetryDelay;
            for (var attempt = 1; ; attempt++)
            {
                string outcome;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Add("X-Pusher-Key", _options.Key);
                    request.Headers.Add("X-Pusher-Signature", signature);
                    using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref _delivered);
                        return;
                    }
                    outcome = $"HTTP {(int)response.StatusCode}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    outcome = e is TaskCanceledException ? "timeout" : e.Message;
                }

                if (_stopping)
                {
                    _log.LogDebug("Webhook to {Url} not retried: the server is stopping ({Outcome})", url, outcome);
                    return;
                }
                if (_time.GetUtcNow() - started + delay > _hooks.RetryFor)
                {
                    Interlocked.Increment(ref _failed);
                    _log.LogWarning("Webhook to {Url} given up after {Attempts} attempts: {Outcome}", url, attempt, outcome);
                    return;
                }
                _log.LogInformation("Webhook to {Url} failed ({Outcome}); retry {Attempt} in {Delay}", url, outcome, attempt, delay);
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _concurrency.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        foreach (var timer in _delayed.Values) timer.Dispose();
        _delayed.Clear();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Deliveries in flight end with the stopping token; wait for them, but not past the host's deadline.
            await Task.WhenAll(_deliveries.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _log.LogDebug("Stopped with {Count} webhook deliveries still in flight", _deliveries.Count);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        _concurrency.Dispose();
        base.Dispose();
    }
}
