namespace AdminConsole.Testing;

/// <summary>
/// The one way the tests wait for something another thread or process does: re-check a condition until it holds,
/// never sleep for a guessed time. On timeout it throws with what was awaited, so a failure reads as a sentence.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(20);

    /// <param name="condition">Checked first at once, then every <paramref name="pollEvery"/> (20 ms by default).</param>
    /// <param name="because">What is awaited, e.g. "the log caught up"; the failure message starts with it.</param>
    /// <param name="describe">Optional: the state seen at the deadline, appended to the failure message.</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because,
        TimeSpan? pollEvery = null, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {because}"
                    + (describe is null ? "" : $" ({describe()})"));
            await Task.Delay(pollEvery ?? DefaultPoll);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, string, TimeSpan?, Func{string}?)"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because,
        TimeSpan? pollEvery = null, Func<string>? describe = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, because, pollEvery, describe);
}
