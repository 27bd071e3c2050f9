using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ScimFunctions.Benchmarks.CoreBenchmarks).Assembly).Run(args);
