using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Driver.Engines.Gt;
using Driver.Sim.Logging;
using Driver.Sim.Progress;
using Driver.Sim.Soak;
using Driver.Sim.Tracing;
using Serilog.Core;
using Serilog.Events;

namespace Driver.Sim.Cli;

/// <summary>
/// <c>gpusim soak --seconds S [--seed N] [--threads T] [--wedge-strategy …] [--trace FILE] [--json FILE] [--quiet]</c>:
/// random hang injection against verifying submitters for S seconds, a bounded drain, then the invariant check.
/// Exits 0 when the invariant held, 1 (printing the seed) when it did not, 2 for a bad command line, 130 when
/// interrupted by Ctrl-C (after printing the partial summary and the command that replays it).
/// </summary>
public static class SoakCommand
{
    /// <summary>Builds the command; its action writes to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        Option<double?> seconds = NumberOptions.Positive("--seconds", 0, 86_400, "How long to submit and inject hangs (default 10)", "S");
        Option<int?> seed = NumberOptions.Int("--seed", int.MinValue, int.MaxValue, "Seed of the random choices (a random one when left out; printed either way)");
        Option<int?> threads = NumberOptions.Int("--threads", 1, 64, "Submitting threads (default 2)", "T");
        Option<string?> wedge = CommonOptions.WedgeStrategy("Wedge strategy of the device (epoch by default)");
        Option<string?> trace = CommonOptions.Trace();
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to FILE ('-' for stdout; the summary then goes to stderr)", HelpName = "FILE" };
        Option<bool> quiet = CommonOptions.Quiet();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging on the console" };
        var log = new Option<string?>("--log") { Description = "Write the log (Information and up) to FILE", HelpName = "FILE" };
        Option<string> logFormat = CommonOptions.LogFormat();

        var command = new Command("soak", "Random hang injection (spinners, forced engine and full resets, wedge and unwedge) against " +
            "submitters storing verifiable values; checks that every fence signals once with ok, -EIO or -EAGAIN and that every ok or -EAGAIN batch's stores landed");
        foreach (Option o in new Option[] { seconds, seed, threads, wedge, trace, json, quiet, verbose, log, logFormat })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => Execute(new SoakSettings
        {
            Seconds = parse.GetValue(seconds) ?? 10,
            Seed = parse.GetValue(seed) ?? Random.Shared.Next(1, int.MaxValue),
            Threads = parse.GetValue(threads) ?? 2,
            WedgeStrategy = CommonOptions.ParseWedgeStrategy(parse.GetValue(wedge)) ?? WedgeStrategy.Epoch,
            TracePath = parse.GetValue(trace),
            JsonPath = parse.GetValue(json),
            Quiet = parse.GetValue(quiet),
            Verbose = parse.GetValue(verbose),
            LogPath = parse.GetValue(log),
            LogFormat = CommonOptions.ParseLogFormat(parse.GetValue(logFormat)),
            Interrupt = Interrupt.Current.Token,
        }, stdout, stderr));
        return command;
    }

    /// <summary>Runs a soak with parsed settings; returns the exit code.</summary>
    public static int Execute(SoakSettings settings, TextWriter stdout, TextWriter stderr)
    {
        Outputs outputs = new Outputs()
            .File("--json", "results", settings.JsonPath)
            .File("--trace", "trace", settings.TracePath)
            .StreamedFile("--log", "log", settings.LogPath);
        if (!outputs.Check(stderr))
        {
            return ExitCodes.Usage;
        }
        TextWriter report = outputs.UsesStdout ? stderr : stdout;
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        TraceRecorder? recorder = settings.TracePath is not null ? new TraceRecorder() : null;
        var progress = new SoakProgress(duration);
        // Hangs, failed resets and wedges are the point of a soak: the driver's lines about them go to the log file
        // (--log); the console keeps only failures of recovery itself, and the summary counts the rest.
        var logOptions = new LogOptions { Verbose = settings.Verbose, File = settings.LogPath, Format = settings.LogFormat, ConsoleLevel = LogEventLevel.Fatal };
        SoakResult result;
        using (Logger logger = LogSetup.Create(stderr, logOptions))
        // A soak stopped early still has a result worth printing (and a seed worth replaying): the first Ctrl-C
        // ends the submission phase instead of the process.
        using (Interrupt.Current.Graceful())
        {
            var options = new SoakOptions
            {
                Duration = duration,
                Seed = settings.Seed,
                Threads = settings.Threads,
                WedgeStrategy = settings.WedgeStrategy,
                Log = logger,
                Trace = recorder,
                Progress = progress,
                Stop = settings.Interrupt,
            };
            try
            {
                result = ProgressDisplay.Run(ProgressDisplay.Enabled(report, settings.Quiet), progress, () => new SoakRunner(options).Run());
            }
            catch (AggregateException e)
            {
                CliMessages.Error(stderr, $"the soak could not be completed: {e.Message} (seed {settings.Seed})");
                foreach (Exception inner in e.InnerExceptions)
                {
                    stderr.WriteLine($"{CliMessages.Prefix}  {inner}");
                }

                stderr.WriteLine($"  reproduce with: {ReplayCommand(settings.Seconds, settings.Seed, settings.Threads, settings.WedgeStrategy == WedgeStrategy.StopMachine ? "stop-machine" : "epoch")}");
                return ExitCodes.Failed;
            }
        }
        if (recorder is not null)
        {
            TraceModel model = recorder.Build("soak", settings.Seed);
            OutputFile.Write(settings.TracePath!, s => ChromeTraceWriter.Write(model, s), stdout);
            TraceNotes.ReportDropped(model.DroppedRequests, stderr);
        }

        if (settings.JsonPath is { } jsonPath)
        {
            OutputFile.WriteAllText(jsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }) + Environment.NewLine, stdout);
        }

        PrintSummary(result, report, settings.Seconds);
        // A violation is a finding even in a partial soak; a clean but interrupted one did not run as asked.
        return !result.Passed ? ExitCodes.Failed : result.Interrupted ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    /// <summary>
    /// Prints the soak's summary lines; the replay command asks for <paramref name="requestedSeconds"/> when given
    /// (an interrupted soak replays as it was asked to run, not for the part it got through).
    /// </summary>
    public static void PrintSummary(SoakResult r, TextWriter o, double? requestedSeconds = null)
    {
        o.WriteLine($"gpusim soak: {F(r.Seconds)} s + {F(r.DrainSeconds)} s drain, seed {r.Seed}, {r.Threads} submitting threads, wedge strategy {r.WedgeStrategy}");
        o.WriteLine($"  requests:  {N(r.Requests)} submitted ({N(r.Batches)} batches, {N(r.Spinners)} spinners), refused {Counts(r.Refused)}");
        o.WriteLine($"  fences:    {Counts(r.Statuses)}, unsignaled {N(r.Unsignaled)}");
        o.WriteLine($"  stores:    {N(r.StoresVerified)} verified, {N(r.StoresMismatched)} mismatched, {N(r.StoresStray)} stray, {N(r.StoresSkipped)} skipped (failed batches)");
        o.WriteLine($"  recovery:  {N(r.Hangs)} hangs, {N(r.EngineResets)} engine resets, {N(r.FullResets)} full resets, {N(r.FailedResets)} failed, " +
            $"{N(r.Wedges)} wedges, {N(r.ContextsBanned)} contexts and {N(r.ClientsBanned)} clients banned{(r.WedgedAtEnd ? ", WEDGED at the end" : "")}");
        o.WriteLine($"  injected:  {Counts(r.Injected)}");
        o.WriteLine($"  watched:   {N(r.LostFences)} lost fences, {N(r.Deadlocks)} deadlocks, {N(r.LockdepReports)} lock validator reports, " +
            $"{N(r.MmapAccesses)} GTT-mmap accesses (revoke; {N(r.MmapWedgeGlitchedPasses)} passes glitched by wedges), heap growth {(r.HeapGrowthBytes is { } h ? $"{N(h)} bytes" : "not measured (too short)")}");
        if (r.Interrupted)
        {
            o.WriteLine($"  interrupted after {F(r.Seconds)} s: a partial soak (the counts above are what it did until then)");
        }
        if (r.Passed)
        {
            o.WriteLine("  invariant: held (every fence signalled once with ok, -EIO or -EAGAIN; every ok or -EAGAIN batch's stores landed)");
        }
        else
        {
            o.WriteLine($"  invariant: VIOLATED {N(r.Violations)} times");
            foreach (string sample in r.ViolationSamples)
            {
                o.WriteLine($"    {sample}");
            }

            if (r.DeadlockState is { } state)
            {
                o.WriteLine("  state at the deadlock:");
                foreach (string line in state.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    o.WriteLine($"    {line.TrimEnd('\r')}");
                }
            }
        }
        if (!r.Passed || r.Interrupted)
        {
            o.WriteLine($"  reproduce with: {ReplayCommand(requestedSeconds ?? r.Seconds, r.Seed, r.Threads, r.WedgeStrategy)}");
        }
    }

    /// <summary>The command line that replays a soak with the same seed (the interleaving is still the scheduler's).</summary>
    public static string ReplayCommand(double seconds, int seed, int threads, string wedgeStrategy) =>
        $"gpusim soak --seconds {seconds.ToString("0.###", CultureInfo.InvariantCulture)} --seed {seed.ToString(CultureInfo.InvariantCulture)} --threads {threads.ToString(CultureInfo.InvariantCulture)} --wedge-strategy {wedgeStrategy}";

    private static string Counts(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => $"{kv.Key} {N(kv.Value)}"));

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
}
