using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Driver.Sim.Bench;

/// <summary>
/// <c>gpusim bench [--quick] [--json FILE] [--only GROUP...]</c>: the macro benchmarks of the whole simulator, each
/// figure printed beside its comparison measured in the same run, as a ratio, with median and spread.
/// </summary>
public static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repetitions and smaller runs (under a minute on 2 cores)" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the figures as JSON to FILE" };
        var only = new Option<string[]>("--only") { Description = $"Run only these groups: {string.Join(", ", BenchSuite.Groups)}", AllowMultipleArgumentsPerToken = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display or progress lines" };
        var cmd = new Command("bench", "Macro benchmarks: throughput, latency, read-side cost, wedge latency, engine reset, lock validator");
        cmd.Options.Add(quick);
        cmd.Options.Add(json);
        cmd.Options.Add(only);
        cmd.Options.Add(quiet);
        cmd.SetAction(pr => Run(pr.GetValue(quick), pr.GetValue(json), pr.GetValue(only) ?? [], pr.GetValue(quiet)));
        return cmd;
    }

    /// <summary>Runs the benchmarks; returns the exit code (2 for an unknown group).</summary>
    public static int Run(bool quick, FileInfo? json, IReadOnlyCollection<string> only, bool quiet = false)
    {
        string[] unknown = only.Where(g => !BenchSuite.Groups.Contains(g)).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"gpusim bench: unknown group(s) {string.Join(", ", unknown)}; known: {string.Join(", ", BenchSuite.Groups)}");
            return 2;
        }
        var sw = Stopwatch.StartNew();
        // A live progress display on a terminal; plain progress lines otherwise (CI logs), none with --quiet.
        bool live = Progress.ProgressDisplay.Enabled(Console.Out, quiet);
        var progress = new BenchProgress(only.Count > 0 ? only.Count : BenchSuite.Groups.Count);
        IReadOnlyList<BenchFigure> figures = Progress.ProgressDisplay.Run(live, progress, () => BenchSuite.Run(new BenchSettings(quick), only, g =>
        {
            progress.Started(g);
            if (!live && !quiet)
            {
                Console.Error.WriteLine($"bench: {g}...");
            }
        }));
        Print(figures);
        Console.WriteLine($"{figures.Count} figures in {sw.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} CPUs; "
            + $"targets met: {figures.Count(f => f.Met == true)}, missed: {figures.Count(f => f.Met == false)}");
        if (json is not null)
        {
            var doc = new
            {
                date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                nproc = Environment.ProcessorCount,
                quick,
                seconds = sw.Elapsed.TotalSeconds,
                figures,
            };
            File.WriteAllText(json.FullName, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    private static void Print(IReadOnlyList<BenchFigure> figures)
    {
        // Redirected output (CI, files) would otherwise wrap the table at 80 columns.
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 220;
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
        AnsiConsole.Write(table);
    }

    private static string Fmt(double v) => v switch
    {
        >= 1_000_000 => (v / 1_000_000).ToString("F2", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (v / 1000).ToString("F1", CultureInfo.InvariantCulture) + "k",
        >= 100 => v.ToString("F0", CultureInfo.InvariantCulture),
        _ => v.ToString("F2", CultureInfo.InvariantCulture),
    };
}
