namespace AdminConsole.Benchmarks;

/// <summary>What every scenario reports the same way.</summary>
internal static class Measure
{
    /// <summary>Nearest-rank percentile (<paramref name="q"/> from 0 to 1) of values sorted ascending; NaN when there are none.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>The machine's 1-minute load average: figures from a shared machine need it beside them.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>Resident memory of a process now (VmRSS), in MB: the working set a soak watches for growth.</summary>
    public static double ResidentMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return double.NaN;
    }
}

/// <summary>Disposes several things at the end of one using (the consoles and clients of a multi-instance run).</summary>
internal sealed class Disposables(IEnumerable<IDisposable> items) : IDisposable
{
    public void Dispose()
    {
        foreach (var item in items) item.Dispose();
    }
}
