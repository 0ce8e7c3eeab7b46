using System.Collections.Concurrent;

namespace AdminConsole.Web.Pusher;

/// <summary>
/// The embedded local server starts while the console's host is still being configured, before the console's
/// logging exists. Its loggers write nowhere until <see cref="Attach"/> hands them the console's factory, after
/// which everything it logs (webhook delivery failures above all) appears in the console's log like its own.
/// </summary>
public sealed class DeferredLoggerFactory : ILoggerFactory
{
    private volatile ILoggerFactory? _target;
    private readonly ConcurrentDictionary<string, DeferredLogger> _loggers = new(StringComparer.Ordinal);

    public void Attach(ILoggerFactory target) => _target = target;

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new DeferredLogger(this, c));

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("Providers belong to the console's logging configuration.");

    public void Dispose() { }

    private sealed class DeferredLogger(DeferredLoggerFactory owner, string category) : ILogger
    {
        private ILogger? _inner;

        private ILogger? Inner => _inner ??= owner._target?.CreateLogger(category);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => Inner?.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => Inner?.IsEnabled(logLevel) ?? false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Inner?.Log(logLevel, eventId, state, exception, formatter);
    }
}
