using BenchmarkDotNet.Running;

// Micro benchmarks: `dotnet run -c Release --project bench/Driver.Bench -- --filter '*'`.
BenchmarkSwitcher.FromAssembly(typeof(Driver.Bench.ReadSideBenchmarks).Assembly).Run(args);
