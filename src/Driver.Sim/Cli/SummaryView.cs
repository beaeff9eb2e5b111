using System.Globalization;
using Driver.Sim.Results;
using Spectre.Console;

namespace Driver.Sim.Cli;

/// <summary>
/// Prints a run's summary with Spectre.Console: plain tables only (no live or interactive widgets), and no colour
/// or ANSI codes unless the output is a terminal, so redirected output (CI logs) stays clean.
/// </summary>
public static class SummaryView
{
    /// <summary>Renders <paramref name="r"/> to <paramref name="output"/>.</summary>
    public static void Render(RunResult r, TextWriter output)
    {
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        if (!terminal)
        {
            console.Profile.Width = 120;
        }

        console.WriteLine();
        console.MarkupLine($"[bold]gpusim[/] scenario [bold]{Esc(r.Scenario)}[/], seed {r.Seed}");
        console.MarkupLine($"Throughput: {N(r.Fences.Submitted)} requests in {r.DurationMs.ToString("F1", CultureInfo.InvariantCulture)} ms = " +
            $"[bold]{N((long)r.RequestsPerSecond)} requests/s[/]");

        Table engines = Table(1, "Engine", "Requests", "Resets");
        foreach ((string? name, EngineCounts? e) in r.Engines)
        {
            engines.AddRow(name, N(e.Requests), N(e.Resets));
        }

        engines.AddRow("[bold]total[/]", $"[bold]{N(r.Engines.Values.Sum(e => e.Requests))}[/]", $"[bold]{N(r.Resets.Engine)}[/]");

        Table fences = Table(1, "Fence outcome", "Count");
        fences.AddRow("submitted", N(r.Fences.Submitted));
        fences.AddRow("[green]ok[/]", N(r.Fences.Ok));
        foreach ((string? errno, int n) in r.Fences.Errors)
        {
            fences.AddRow($"[yellow]-{Esc(errno)}[/]", N(n));
        }

        fences.AddRow(r.Fences.Unsignaled == 0 ? "unsignaled" : "[red]unsignaled[/]", N(r.Fences.Unsignaled));
        foreach ((string? errno, int n) in r.Fences.Rejected)
        {
            // Both execbuf and set-domain refusals land here (the scenario's "rejected" counts): name the ioctl generically.
            fences.AddRow($"refused by its ioctl -{Esc(errno)}", N(n));
        }

        Table stores = Table(1, "Stores", "Count");
        stores.AddRow("[green]verified[/]", N(r.Checks.StoresVerified));
        stores.AddRow(r.Checks.StoresMismatched == 0 ? "mismatched" : "[red]mismatched[/]", N(r.Checks.StoresMismatched));
        stores.AddRow(r.Checks.StoresStray == 0 ? "stray" : "[red]stray[/]", N(r.Checks.StoresStray));
        stores.AddRow("skipped (failed batch)", N(r.Checks.StoresSkipped));
        stores.AddRow("unchecked (unsignaled)", N(r.Checks.StoresUnchecked));

        Table resets = Table(1, "Recovery", "Count");
        resets.AddRow("engine resets", N(r.Resets.Engine));
        resets.AddRow("full resets", N(r.Resets.Full));
        resets.AddRow("failed resets", N(r.Resets.Failed));
        resets.AddRow("wedge events", N(r.WedgeEvents));
        resets.AddRow("error states", N(r.ErrorStates));
        resets.AddRow("wedged at end", r.Wedged ? "[red]yes[/]" : "no");

        console.Write(new Columns(engines, fences, stores, resets) { Expand = false });

        Table workloads = Table(3, "Step", "Type", "Client", "Submitted", "Ok", "Errors", "Refused");
        foreach (WorkloadResult w in r.Workloads)
        {
            workloads.AddRow(Esc(w.Name), w.Type + (w.Succeeded is { } ok ? (ok ? " (ok)" : " [red](failed)[/]") : ""), Esc(w.Client ?? "-"),
                N(w.Fences.Submitted), N(w.Fences.Ok), Esc(Errnos(w.Fences.Errors)), Esc(Errnos(w.Fences.Rejected)));
        }
        console.Write(workloads);

        foreach (string sample in r.Checks.Samples)
        {
            console.MarkupLine($"[red]store check:[/] {Esc(sample)}");
        }

        if (r.Expect is { } expect)
        {
            console.MarkupLine(expect.Passed
                ? $"Expectations: [green]all {expect.Checked} met[/]"
                : $"Expectations: [red]{expect.Failures.Count} of {expect.Checked} failed[/]");
            foreach (string f in expect.Failures)
            {
                console.MarkupLine($"  [red]unmet:[/] {Esc(f)}");
            }
        }
        console.MarkupLine(r.Passed ? "Result: [bold green]PASS[/]" : "Result: [bold red]FAIL[/]");
    }

    /// <summary>A table whose first <paramref name="textColumns"/> columns are text (left) and the rest numbers (right).</summary>
    private static Table Table(int textColumns, params string[] headers)
    {
        Table t = new Table().Border(TableBorder.Rounded);
        for (int i = 0; i < headers.Length; i++)
        {
            t.AddColumn(i < textColumns ? new TableColumn(headers[i]) : new TableColumn(headers[i]).RightAligned());
        }

        return t;
    }

    private static string Errnos(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "-" : string.Join(" ", counts.Select(kv => $"{kv.Key}×{kv.Value}"));

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Esc(string s) => Markup.Escape(s);
}
