using System.CommandLine;
using Driver.Core.Locking;
using Driver.Sim.Logging;
using Driver.Sim.Progress;
using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;
using Driver.Sim.Tracing;
using Serilog.Core;

namespace Driver.Sim.Cli;

/// <summary>
/// <c>gpusim run</c>: loads a scenario (the embedded default when none is given), runs it, prints a summary, and
/// exits 0 when it passed, 1 when it failed, 2 for a bad command line or scenario file, 77 when it
/// cannot run here (no Vulkan device), 70 for an internal error (<see cref="ExitCodes"/>).
/// </summary>
public static class RunCommand
{
    /// <summary>Builds the command; its action writes to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var scenario = new Option<string?>("--scenario") { Description = "Scenario file (JSON, see docs/scenarios.md); the embedded default scenario when left out", HelpName = "FILE" };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to FILE ('-' for stdout; the summary then goes to stderr)", HelpName = "FILE" };
        Option<int?> seed = NumberOptions.Int("--seed", int.MinValue, int.MaxValue, "Seed overriding the scenario's (same seed, same batches)");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging on the console" };
        var log = new Option<string?>("--log") { Description = "Write the log (Information and up) to FILE", HelpName = "FILE" };
        var errorState = new Option<string?>("--error-state") { Description = "Write the captured GPU error states to FILE", HelpName = "FILE" };
        Option<string?> wedge = CommonOptions.WedgeStrategy();
        Option<string?> trace = CommonOptions.Trace();
        var timeline = new Option<string?>("--timeline") { Description = "Write an SVG timeline of the run to FILE (engines as rows, requests coloured by outcome, resets and wedges marked)", HelpName = "FILE" };
        Option<string> logFormat = CommonOptions.LogFormat();
        Option<bool> quiet = CommonOptions.Quiet();
        var lockdep = new Option<bool>("--lockdep") { Description = "Validate every driver lock (lockdep) during the run; any report fails it (also GPUSIM_LOCKDEP=1)" };

        var command = new Command("run", "Run a scenario and verify every fence and store");
        foreach (Option o in new Option[] { scenario, json, seed, verbose, log, errorState, wedge, trace, timeline, logFormat, quiet, lockdep })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse => Execute(new RunSettings
        {
            ScenarioPath = parse.GetValue(scenario),
            JsonPath = parse.GetValue(json),
            Seed = parse.GetValue(seed),
            Verbose = parse.GetValue(verbose),
            LogPath = parse.GetValue(log),
            ErrorStatePath = parse.GetValue(errorState),
            WedgeStrategy = CommonOptions.ParseWedgeStrategy(parse.GetValue(wedge)),
            TracePath = parse.GetValue(trace),
            TimelinePath = parse.GetValue(timeline),
            LogFormat = CommonOptions.ParseLogFormat(parse.GetValue(logFormat)),
            Quiet = parse.GetValue(quiet),
            Lockdep = parse.GetValue(lockdep),
        }, stdout, stderr));
        return command;
    }

    /// <summary>Runs with parsed settings; returns the exit code.</summary>
    public static int Execute(RunSettings settings, TextWriter stdout, TextWriter stderr)
    {
        Scenario scenario;
        try
        {
            scenario = settings.ScenarioPath is null ? ScenarioLoader.LoadDefault() : ScenarioLoader.LoadFile(settings.ScenarioPath);
        }
        catch (ScenarioException e)
        {
            return CliMessages.Errors(stderr, e.Message, ExitCodes.Usage);
        }
        // Fail on an unwritable output before spending time on the run.
        Outputs outputs = new Outputs()
            .File("--json", "results", settings.JsonPath)
            .File("--error-state", "error states", settings.ErrorStatePath)
            .StreamedFile("--log", "log", settings.LogPath)
            .File("--trace", "trace", settings.TracePath)
            .File("--timeline", "timeline", settings.TimelinePath);
        if (!outputs.Check(stderr))
        {
            return ExitCodes.Usage;
        }
        // With an output on stdout (--json -), stdout holds only that output; the summary goes to stderr.
        TextWriter report = outputs.UsesStdout ? stderr : stdout;

        RunResult result;
        // The validator is process-wide: turn it on before the device exists so every lock is tracked from the start.
        List<Core.Locking.LockdepReport>? lockdepReports = null;
        if (settings.Lockdep || Core.Locking.Lockdep.Enabled)
        {
            Core.Locking.Lockdep.Enabled = true;
            lockdepReports = new();
            Core.Locking.Lockdep.Default.ReportAdded += r => { lock (lockdepReports) { lockdepReports.Add(r); } };
        }
        TraceRecorder? recorder = settings.TracePath is not null || settings.TimelinePath is not null ? new TraceRecorder() : null;
        var progress = new RunProgress();
        var logOptions = new LogOptions { Verbose = settings.Verbose, File = settings.LogPath, Format = settings.LogFormat };
        using (Logger logger = LogSetup.Create(stderr, logOptions))
        {
            try
            {
                var options = new RunOptions { Seed = settings.Seed, WedgeStrategy = settings.WedgeStrategy, Log = logger, Trace = recorder, Progress = progress };
                result = ProgressDisplay.Run(ProgressDisplay.Enabled(report, settings.Quiet), progress, () => new ScenarioRunner(scenario, options).Run());
            }
            catch (VulkanUnavailableException e)
            {
                CliMessages.Skipped(stderr, e.Message);
                return ExitCodes.Skipped;
            }
            catch (Exception e) when (e is InvalidOperationException or AggregateException)
            {
                // The driver refused what the scenario set up (a context, an object): a finding about the run.
                CliMessages.Error(stderr, $"the run could not be completed: {e.Message}");
                foreach (Exception inner in (e as AggregateException)?.InnerExceptions ?? [])
                {
                    stderr.WriteLine($"{CliMessages.Prefix}  {inner.Message}");
                }

                return ExitCodes.Failed;
            }
        }

        if (recorder is not null)
        {
            TraceModel model = recorder.Build(result.Scenario, result.Seed);
            if (settings.TracePath is { } tracePath)
            {
                OutputFile.Write(tracePath, s => ChromeTraceWriter.Write(model, s), stdout);
            }

            if (settings.TimelinePath is { } timelinePath)
            {
                OutputFile.WriteAllText(timelinePath, SvgTimelineWriter.ToSvg(model), stdout);
            }

            TraceNotes.ReportDropped(model.DroppedRequests, stderr);
        }
        if (settings.JsonPath is { } jsonPath)
        {
            OutputFile.WriteAllText(jsonPath, ResultsJson.Serialize(result) + Environment.NewLine, stdout);
        }

        if (settings.ErrorStatePath is { } errorPath)
        {
            // What reading the sysfs error file at the end of the run gives: the first error state, or the kernel's line.
            OutputFile.WriteAllText(errorPath, result.ErrorStateDumps.Count == 0 ? Reset.Capture.GpuErrorState.NoErrorState : result.ErrorStateDumps[0], stdout);
        }

        SummaryView.Render(result, report);
        if (lockdepReports is not null)
        {
            foreach (LockdepReport r in lockdepReports)
            {
                stderr.WriteLine(r.Text);
            }

            report.WriteLine($"Lock validator: {lockdepReports.Count} report(s)");
            if (lockdepReports.Count > 0)
            {
                return ExitCodes.Failed;
            }
        }
        return result.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
