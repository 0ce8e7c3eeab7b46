Console.WriteLine("usage: dotnet run -c Release --project tests/AdminConsole.Benchmarks -- <scenario>");
return 1;
