using AdminConsole.Benchmarks;

// A small dispatcher: each scenario lives in its own class and parses its own options.
var scenarios = new Dictionary<string, Func<BenchArgs, Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["webhooks"] = WebhookScenario.RunAsync,
    ["eventlog"] = EventLogScenario.RunAsync,
};

if (args.Length == 0 || !scenarios.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/AdminConsole.Benchmarks -- <scenario> [options]");
    Console.Error.WriteLine("scenarios: " + string.Join(", ", scenarios.Keys));
    Console.Error.WriteLine(WebhookScenario.Usage);
    Console.Error.WriteLine(EventLogScenario.Usage);
    return 2;
}
return await run(new BenchArgs(args[1..]));
