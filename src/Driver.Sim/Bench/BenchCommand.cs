using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Driver.Sim.Cli;
using Spectre.Console;

namespace Driver.Sim.Bench;

/// <summary>
/// <c>gpusim bench [--quick] [--json FILE] [--svg FILE] [--only GROUP...]</c>: the macro benchmarks of the whole simulator, each
/// figure printed beside its comparison measured in the same run, as a ratio, with median and spread. Refuses to
/// measure a Debug build (its figures say nothing about the design; <c>--allow-debug</c> overrides), and the JSON
/// records the build configuration either way.
/// </summary>
public static class BenchCommand
{
    /// <summary>The configuration this gpusim was built in ("Debug", "Release").</summary>
    public static string Configuration { get; } =
        typeof(BenchCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown";

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions and smaller runs (under a minute on 2 cores)" };
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to FILE ('-' for stdout; the table then goes to stderr)", HelpName = "FILE" };
        var only = new Option<string[]>("--only") { Description = $"Run only these groups: {string.Join(", ", BenchSuite.Groups)}", AllowMultipleArgumentsPerToken = true };
        var svg = new Option<string?>("--svg") { Description = "Write the scale group's log-log plot as SVG to FILE", HelpName = "FILE" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display or progress lines" };
        var allowDebug = new Option<bool>("--allow-debug") { Description = "Measure even a Debug build (the figures are then 2-3x off; the JSON says which build it was)" };
        var cmd = new Command("bench", "Macro benchmarks: throughput, latency, read-side cost, wedge latency, engine reset, lock validator, scale");
        cmd.Options.Add(quick);
        cmd.Options.Add(json);
        cmd.Options.Add(only);
        cmd.Options.Add(svg);
        cmd.Options.Add(quiet);
        cmd.Options.Add(allowDebug);
        cmd.SetAction(pr => Run(new BenchRequest
        {
            Quick = pr.GetValue(quick),
            JsonPath = pr.GetValue(json),
            SvgPath = pr.GetValue(svg),
            Only = pr.GetValue(only) ?? [],
            Quiet = pr.GetValue(quiet),
            AllowDebug = pr.GetValue(allowDebug),
            Arguments = pr.Tokens.Select(t => t.Value).SkipWhile(v => v != "bench").Skip(1).ToArray(),
        }, pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error));
        return cmd;
    }

    /// <summary>Runs the benchmarks; returns the exit code (2 for an unknown group, an unwritable --json or a Debug build).</summary>
    public static int Run(BenchRequest request, TextWriter stdout, TextWriter stderr)
    {
        string[] unknown = request.Only.Where(g => !BenchSuite.Groups.Contains(g)).ToArray();
        if (unknown.Length > 0)
        {
            string hints = string.Concat(unknown.Select(u => Suggestions.DidYouMean(u, BenchSuite.Groups)));
            return CliMessages.Usage(stderr, "bench", $"unknown group(s) {string.Join(", ", unknown)}{hints}; known: {string.Join(", ", BenchSuite.Groups)}");
        }
        if (Configuration == "Debug" && !request.AllowDebug)
        {
            // A Debug build runs 2-3x slower and misses most targets: measuring it silently reports a regression
            // that is not there. `dotnet run` builds Debug unless told otherwise, so say exactly what to type.
            CliMessages.Error(stderr, "this gpusim is a Debug build, whose figures are 2-3x off; run the benchmarks on a Release build:");
            stderr.WriteLine($"  {ReleaseCommand(request.Arguments)}");
            stderr.WriteLine("(or add --allow-debug to measure this build anyway)");
            return ExitCodes.Usage;
        }
        if (request.SvgPath is not null && request.Only.Count > 0 && !request.Only.Contains("scale"))
        {
            return CliMessages.Usage(stderr, "bench", "--svg plots the scale group, which --only leaves out; add --only scale");
        }
        Outputs outputs = new Outputs().File("--json", "figures", request.JsonPath).File("--svg", "scale plot", request.SvgPath);
        if (!outputs.Check(stderr))
        {
            return ExitCodes.Usage;
        }
        TextWriter report = outputs.UsesStdout ? stderr : stdout;

        var sw = Stopwatch.StartNew();
        // A live progress display on a terminal; plain progress lines otherwise (CI logs), none with --quiet.
        bool live = Progress.ProgressDisplay.Enabled(report, request.Quiet);
        var progress = new BenchProgress(request.Only.Count > 0 ? request.Only.Count : BenchSuite.Groups.Count - BenchSuite.OnRequest.Count);
        ScaleReport? scale = null;
        var settings = new BenchSettings(request.Quick) { ScaleReported = r => scale = r };
        IReadOnlyList<BenchFigure> figures = Progress.ProgressDisplay.Run(live, progress, () => BenchSuite.Run(settings, request.Only, g =>
        {
            progress.Started(g);
            if (!live && !request.Quiet)
            {
                stderr.WriteLine($"bench: {g}...");
            }
        }));
        Print(figures, report);
        if (scale is not null)
        {
            report.WriteLine();
            report.WriteLine("scale (cost at each size; k: growth exponent, the slope of log cost against log n):");
            report.Write(scale.ToTable());
            if (request.SvgPath is { } svgPath)
            {
                OutputFile.WriteAllText(svgPath, ScaleSvgWriter.ToSvg(scale) + Environment.NewLine, stdout);
            }
        }
        report.WriteLine($"{figures.Count} figures in {sw.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s on {Environment.ProcessorCount} CPUs ({Configuration} build); "
            + $"targets met: {figures.Count(f => f.Met == true)}, missed: {figures.Count(f => f.Met == false)}");
        if (request.JsonPath is { } jsonPath)
        {
            var doc = new
            {
                date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                nproc = Environment.ProcessorCount,
                configuration = Configuration,
                quick = request.Quick,
                seconds = sw.Elapsed.TotalSeconds,
                figures,
            };
            OutputFile.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine, stdout);
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The command that runs the same benchmarks on a Release build: <c>dotnet run -c Release --project
    /// src/Driver.Sim -- bench …</c>, the project path as seen from the current directory when this build sits in
    /// the project's bin/ folder.
    /// </summary>
    public static string ReleaseCommand(IEnumerable<string> arguments)
    {
        string project = "src/Driver.Sim";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Driver.Sim.csproj")))
            {
                // Relative when run from inside the repository (the README's way), absolute from anywhere else.
                string relative = Path.GetRelativePath(Environment.CurrentDirectory, dir.FullName);
                project = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? dir.FullName : relative;
                break;
            }
        }
        IEnumerable<string> args = arguments.Where(a => a != "--allow-debug").Select(Quote);
        return $"dotnet run -c Release --project {Quote(project)} -- bench {string.Join(' ', args)}".TrimEnd();
    }

    private static string Quote(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@%+,".Contains(c)) ? s : $"'{s.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static void Print(IReadOnlyList<BenchFigure> figures, TextWriter output)
    {
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        // Redirected output (CI, files) would otherwise wrap the table at 80 columns.
        if (!terminal)
        {
            console.Profile.Width = 220;
        }

        Table table = new Table().AddColumns("figure", "median", "spread", "unit", "comparison", "ratio", "target", "met");
        foreach (BenchFigure f in figures)
        {
            table.AddRow(
                Markup.Escape(f.Title),
                Fmt(f.Value.Median),
                $"{Fmt(f.Value.Min)}–{Fmt(f.Value.Max)}",
                Markup.Escape(f.Unit),
                f.Comparison is { } c ? Markup.Escape($"{f.ComparisonTitle}: {Fmt(c.Median)} ({Fmt(c.Min)}–{Fmt(c.Max)})") : "",
                f.Ratio is { } r ? r.ToString("F3", CultureInfo.InvariantCulture) : "",
                Markup.Escape(f.Target),
                f.Met switch { true => "[green]yes[/]", false => "[red]no[/]", _ => "" });
        }
        console.Write(table);
    }

    private static string Fmt(double v) => v switch
    {
        >= 1_000_000 => (v / 1_000_000).ToString("F2", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (v / 1000).ToString("F1", CultureInfo.InvariantCulture) + "k",
        >= 100 => v.ToString("F0", CultureInfo.InvariantCulture),
        _ => v.ToString("F2", CultureInfo.InvariantCulture),
    };
}
