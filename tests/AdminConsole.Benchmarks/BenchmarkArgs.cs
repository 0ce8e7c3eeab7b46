using System.Globalization;

namespace AdminConsole.Benchmarks;

public interface IBenchmarkScenario
{
    string Name { get; }
    string Description { get; }
    Task<int> RunAsync(BenchmarkArgs args);
}

/// <summary><c>--name value</c> pairs.</summary>
public sealed class BenchmarkArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public static BenchmarkArgs Parse(IEnumerable<string> args)
    {
        var result = new BenchmarkArgs();
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                key = a[2..];
                result._values[key] = "true";
            }
            else if (key is not null)
            {
                result._values[key] = a;
                key = null;
            }
        }
        return result;
    }

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
