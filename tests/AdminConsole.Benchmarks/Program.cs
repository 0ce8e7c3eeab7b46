using AdminConsole.Benchmarks;

// A dispatcher only: each scenario lives in its own class and parses its own options.
IBenchmarkScenario[] scenarios = [new FanoutScenario()];

var scenario = args.Length > 0 ? scenarios.FirstOrDefault(s => s.Name == args[0]) : null;
if (scenario is null)
{
    Console.WriteLine("usage: dotnet run -c Release --project tests/AdminConsole.Benchmarks -- <scenario> [options]");
    foreach (var s in scenarios) Console.WriteLine($"  {s.Name,-10} {s.Description}");
    return 1;
}
return await scenario.RunAsync(BenchmarkArgs.Parse(args.Skip(1)));
