using System.Runtime.ExceptionServices;
using Spectre.Console;

namespace Driver.Sim.Progress;

/// <summary>
/// Shows a Spectre.Console progress display (done/total, resets, wedges, elapsed) while work runs on another thread,
/// only on an interactive terminal: redirected output, CI and <c>--quiet</c> get none, and the work just runs.
/// </summary>
public static class ProgressDisplay
{
    /// <summary>How often the display polls its source.</summary>
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Whether a display may be shown on <paramref name="stdout"/>: the process's own console, a terminal, not quiet.
    /// </summary>
    public static bool Enabled(TextWriter stdout, bool quiet) =>
        !quiet && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>
    /// Runs <paramref name="work"/>; when <paramref name="show"/>, on a worker thread under a live display fed by
    /// <paramref name="source"/>. Exceptions of the work are rethrown here.
    /// </summary>
    public static T Run<T>(bool show, IProgressSource source, Func<T> work)
    {
        if (!show)
        {
            return work();
        }

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var worker = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
        })
        { Name = "progress-work", IsBackground = true };

        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask("starting", maxValue: 1);
                worker.Start();
                // Join with a period: the thread's end orders its result and failure writes before our reads.
                while (!worker.Join(s_period))
                {
                    Update(task, source.Read());
                }

                Update(task, source.Read());
            });
        failure?.Throw();
        return result;
    }

    private static void Update(ProgressTask task, ProgressSnapshot s)
    {
        task.MaxValue = Math.Max(1, s.Total);
        task.Value = Math.Min(s.Done, task.MaxValue);
        string text = $"{s.Label}: {s.Done:N0}/{s.Total:N0} {s.Unit}";
        if (s.Detail is { } detail)
        {
            text += $", {detail}";
        }

        if (s.Resets is { } resets)
        {
            text += $", resets: {resets:N0}";
        }

        if (s.Wedges is { } wedges)
        {
            text += $", wedges: {wedges:N0}";
        }

        task.Description = Markup.Escape(text);
    }
}
