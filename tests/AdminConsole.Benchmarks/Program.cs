using AdminConsole.Benchmarks;

// A small dispatcher: each scenario lives in its own class and parses its own options.
var scenarios = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["webhooks"] = a => WebhookScenario.RunAsync(new BenchArgs(a)),
    ["soak"] = a => SoakScenario.RunAsync(new BenchArgs(a)),
    ["fanout"] = a => FanoutScenario.RunAsync(new BenchArgs(a)),
    ["eventlog"] = a => EventLogScenario.RunAsync(new BenchArgs(a)),
    ["auth"] = a => AuthScenario.RunAsync(new BenchArgs(a)),
    ["live"] = a => LiveLatencyScenario.RunAsync(new BenchArgs(a)),
};

if (args.Length == 0 || !scenarios.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/AdminConsole.Benchmarks -- <scenario> [options]");
    Console.Error.WriteLine("scenarios: " + string.Join(", ", scenarios.Keys));
    Console.Error.WriteLine(WebhookScenario.Usage);
    Console.Error.WriteLine(SoakScenario.Usage);
    Console.Error.WriteLine(FanoutScenario.Usage);
    Console.Error.WriteLine(EventLogScenario.Usage);
    Console.Error.WriteLine(AuthScenario.Usage);
    Console.Error.WriteLine(LiveLatencyScenario.Usage);
    return 2;
}
return await run(args[1..]);
