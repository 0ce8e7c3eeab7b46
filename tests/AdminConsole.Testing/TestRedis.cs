namespace AdminConsole.Testing;

/// <summary>
/// The Redis server of this test run: <c>tests/run.sh</c> starts a throwaway one (tests/redis.sh) and exports its
/// StackExchange.Redis configuration string in <see cref="Variable"/>. Consoles that share it are kept apart by a
/// channel prefix of their own (<see cref="ChannelPrefix"/>), as separate deployments on one Redis are. Without the
/// variable the tests that need Redis fail with a message that says how to run them: they are never skipped.
/// </summary>
public static class TestRedis
{
    public const string Variable = "ADMINCONSOLE_TEST_REDIS";

    public static string Configuration =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the tests that need Redis cannot run. `bash tests/run.sh` installs Debian's redis-server " +
                "and starts a throwaway server itself; for a focused run, start one with `bash tests/redis.sh` and export the " +
                $"{Variable}=... line it prints before `dotnet test`.");

    /// <summary>A channel prefix no other test uses, so consoles of different tests on the one server never hear each other.</summary>
    public static string ChannelPrefix(string purpose)
    {
        var clean = new string([.. purpose.Where(char.IsAsciiLetterOrDigit)]);
        return $"t-{clean[..Math.Min(30, clean.Length)]}-{Guid.NewGuid().ToString("N")[..12]}";
    }
}
