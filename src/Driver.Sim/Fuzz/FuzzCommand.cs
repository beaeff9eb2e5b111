using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Driver.Sim.Cli;
using Driver.Fuzz;

namespace Driver.Sim.Fuzz;

/// <summary>
/// <c>gpusim fuzz [--seconds S] [--seed N] [--target batches|uapi|scenarios|all] [--replay SEED] [--scenarios DIR]
/// [--json FILE]</c>: the test suite's CsCheck properties (src/Driver.Uapi/Fuzz, src/Driver.Sim/Fuzz) for longer.
/// The seconds are shared by the targets; the first failure of a target is shrunk and printed with the CsCheck seed
/// that replays its minimal case (<c>--replay</c>). Exits 0 when every case held, 1 when one did not, 2 for a bad
/// command line, 70 for an internal error.
/// </summary>
public static class FuzzCommand
{
    /// <summary>The targets, in the order <c>all</c> runs them.</summary>
    public static readonly string[] Targets = ["batches", "uapi", "scenarios"];

    /// <summary>Builds the <c>fuzz</c> command.</summary>
    public static Command Build()
    {
        Option<double?> seconds = NumberOptions.Positive("--seconds", 0, 86_400, "How long to fuzz, shared by the targets (default 30)", "S");
        Option<int?> seed = NumberOptions.Int("--seed", int.MinValue, int.MaxValue, "Seed of the case sequence (a random one when left out; printed either way)");
        var target = new Option<string>("--target")
        {
            Description = "What to fuzz: random batches, concurrent uAPI calls, mutated scenario files, or all of them",
            HelpName = "batches|uapi|scenarios|all",
            DefaultValueFactory = _ => "all",
        };
        target.AcceptOnlyFromAmong([.. Targets, "all"]);
        var replay = new Option<string?>("--replay") { Description = "Run only the case of this CsCheck seed (printed by a failure); needs one --target", HelpName = "SEED" };
        var scenarios = new Option<string?>("--scenarios") { Description = "Folder of the scenario files to mutate (default: scenarios/ in or above the current folder, else the embedded default)", HelpName = "DIR" };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to FILE ('-' for stdout; the report then goes to stderr)", HelpName = "FILE" };
        var command = new Command("fuzz", "Property-based fuzzing (CsCheck) of batches, the uAPI and scenario files: after every case each fence " +
            "signalled once with its error first, no lock validator report, and the device still works; failures are shrunk");
        foreach (Option o in new Option[] { seconds, seed, target, replay, scenarios, json })
        {
            command.Options.Add(o);
        }

        command.SetAction(pr => Execute(pr.GetValue(seconds) ?? 30, pr.GetValue(seed) ?? Random.Shared.Next(1, int.MaxValue),
            pr.GetValue(target) ?? "all", pr.GetValue(replay), pr.GetValue(scenarios), pr.GetValue(json),
            pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Runs the chosen targets; returns the exit code.</summary>
    public static int Execute(double seconds, int seed, string target, string? replay, string? scenarioDir, string? jsonPath,
        TextWriter stdout, TextWriter stderr)
    {
        string[] targets = target == "all" ? Targets : [target];
        if (replay is not null && targets.Length != 1)
        {
            return CliMessages.Usage(stderr, "fuzz", "--replay needs one --target (batches, uapi or scenarios): a CsCheck seed replays one generator's case");
        }

        // A seed CsCheck cannot parse replays nothing: a bad command line, not a property the driver broke.
        if (replay is not null && !IsSeed(replay, out string? why))
        {
            return CliMessages.Usage(stderr, "fuzz", $"--replay: '{replay}' is not a CsCheck seed ({why})");
        }

        if (scenarioDir is not null && (!Directory.Exists(scenarioDir) || ScenarioCorpus.FromDirectory(scenarioDir).Files.Count == 0))
        {
            return CliMessages.Usage(stderr, "fuzz", $"--scenarios: '{scenarioDir}' is not a folder of scenario files");
        }

        Outputs outputs = new Outputs().File("--json", "results", jsonPath);
        if (!outputs.Check(stderr))
        {
            return ExitCodes.Usage;
        }

        TextWriter report = outputs.UsesStdout ? stderr : stdout;
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gpusim fuzz: {seconds:0.###} s, seed {seed}, targets {string.Join(", ", targets)}"));
        var reports = new List<FuzzReport>();
        foreach (string t in targets)
        {
            // Every target exists to drive batches through execbuf: an exploration that got none accepted and
            // executed fails (a replay runs one case, which may be a refusal on purpose).
            var budget = new FuzzBudget
            {
                Seed = seed,
                Duration = TimeSpan.FromSeconds(seconds / targets.Length),
                Replay = replay,
                ShrinkSeconds = 20,
                RequireExecution = true,
            };
            FuzzReport r = RunTarget(t, budget, scenarioDir);
            reports.Add(r);
            report.WriteLine($"  {r.Summary}");
            if (r.Failure is { } failure)
            {
                foreach (string line in failure.Split('\n'))
                {
                    report.WriteLine($"    {line.TrimEnd('\r')}");
                }

                report.WriteLine($"    replay: gpusim fuzz --target {t} --replay {r.FailingSeed}{(scenarioDir is null ? "" : $" --scenarios {scenarioDir}")}");
            }
        }

        if (jsonPath is not null)
        {
            var result = new { seed, seconds, passed = reports.All(r => r.Passed), targets = reports };
            OutputFile.WriteAllText(jsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }) + Environment.NewLine, stdout);
        }

        return reports.All(r => r.Passed) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static bool IsSeed(string text, out string? why)
    {
        try
        {
            CsCheck.PCG.Parse(text);
            why = null;
            return true;
        }
        catch (CsCheck.CsCheckException e)
        {
            why = e.Message;
            return false;
        }
    }

    /// <summary>Runs one target's property within <paramref name="budget"/>.</summary>
    public static FuzzReport RunTarget(string target, FuzzBudget budget, string? scenarioDir = null)
    {
        switch (target)
        {
            case "batches":
                return FuzzRunner.Run(target, BatchGenerators.Case, BatchProperty.Run, c => c.ToString(), budget);
            case "uapi":
                return FuzzRunner.Run(target, UapiGenerators.Case, UapiProperty.Run, c => c.ToString(), budget);
            default:
                var property = new ScenarioProperty(scenarioDir is null ? ScenarioCorpus.Find() : ScenarioCorpus.FromDirectory(scenarioDir));
                return FuzzRunner.Run(target, ScenarioGenerators.Case(property.Corpus.Files.Count), property.Run,
                    c => $"{c}{Environment.NewLine}{property.Text(c)}", budget);
        }
    }
}
