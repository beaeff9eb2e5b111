using System.Diagnostics;
using System.Globalization;
using Driver.Core.Locking;

namespace Driver.Igt;

/// <summary>
/// Runs subtests one after another the way an IGT binary and igt_runner do: the version banner, "Starting subtest",
/// the result line with its time, failure and skip reports in IGT's words, a debug-log dump on failure, a progress
/// line per test, and one record per subtest and dynamic subtest for results.json. Each subtest body runs on its
/// own thread so a subtest that hangs is abandoned after <see cref="IgtRunOptions.PerTestTimeout"/>.
/// </summary>
public sealed partial class IgtRunner(IgtRunOptions options, TextWriter stdout, TextWriter stderr)
{
    private readonly IgtOutput _output = new(stdout, stderr);

    /// <summary>The contexts whose kernel log receives lock-validator reports (the running subtest and dynamic subtest).</summary>
    private volatile IgtContext? _current;

    /// <summary>Runs <paramref name="subtests"/> in order.</summary>
    public IgtRunResult Run(IReadOnlyList<IgtSubtest> subtests)
    {
        long start = Stopwatch.GetTimestamp();
        double startUnix = UnixNow();
        var session = new IgtSession(_output, options, start, RunDynamic);
        Action<LockdepReport>? onReport = options.LockdepAsDmesg ? OnLockdepReport : null;
        if (onReport is not null)
        {
            Lockdep.Default.ReportAdded += onReport;
        }

        var records = new List<IgtTestRecord>(subtests.Count);
        try
        {
            string? binary = null;
            int width = Math.Max(3, subtests.Count.ToString(CultureInfo.InvariantCulture).Length);
            for (int i = 0; i < subtests.Count; i++)
            {
                IgtSubtest st = subtests[i];
                if (options.Progress && subtests.Count > 1)
                {
                    _output.Out($"[{Pad(i + 1, width)}/{Pad(subtests.Count, width)}] {st.Binary} ({st.Name})");
                }

                if (st.Binary != binary)
                {
                    _output.Out(IgtVersionInfo.Banner);
                    binary = st.Binary;
                }
                records.Add(RunSubtest(session, st));
            }
        }
        finally
        {
            if (onReport is not null)
            {
                Lockdep.Default.ReportAdded -= onReport;
            }

            _output.Flush();
        }
        return new IgtRunResult(records, startUnix, UnixNow());
    }

    private IgtTestRecord RunSubtest(IgtSession session, IgtSubtest st)
    {
        var capture = new IgtCapture();
        capture.Out.Append(IgtVersionInfo.Banner).Append('\n');
        var ctx = new IgtContext(session, st, null, null);
        IgtResult result;
        TimeSpan elapsed;
        using (_output.Capture(capture))
        {
            _output.Out($"Starting subtest: {st.Name}");
            (IgtResult own, elapsed) = RunOnThread(ctx, st.Body);
            result = Aggregate(st, own, ctx.DynamicRecords);
            if (own == IgtResult.Success && result == IgtResult.Skip)
            {
                // igt_success's igt_skip on leaving a container that ran nothing.
                _output.Out("No dynamic tests executed.");
            }
            _output.Out($"Subtest {st.Name}: {Word(result)} ({Seconds(elapsed)}s)");
        }
        var children = ctx.DynamicRecords.ToList();
        return new IgtTestRecord
        {
            Name = st.FullName,
            Binary = st.Binary,
            Result = result,
            Out = capture.Out.ToString(),
            Err = capture.Err.ToString(),
            Dmesg = ctx.KernelLog.Text + string.Concat(children.Select(c => c.Dmesg)),
            DmesgWarnings = ctx.KernelLog.Unexpected + children.Sum(c => c.DmesgWarnings),
            DmesgWarningsText = ctx.KernelLog.UnexpectedText + string.Concat(children.Select(c => c.DmesgWarningsText)),
            Duration = elapsed,
            Dynamic = children,
        };
    }

    private void RunDynamic(IgtContext parent, string name, Action<IgtContext> body)
    {
        if (_output.IsAbandoned())
        {
            // A killed test starts nothing more; running it would also retarget the lock-validator reports
            // (_current) of the subtest running now.
            return;
        }

        var capture = new IgtCapture();
        var child = new IgtContext(parent.Session, parent.Subtest, parent, name);
        IgtResult result;
        TimeSpan elapsed;
        IgtContext? outer = _current;
        using (_output.Capture(capture))
        {
            _output.Out($"Starting dynamic subtest: {name}");
            _current = child;
            try
            {
                (result, elapsed) = Execute(child, body);
            }
            finally
            {
                _current = outer;
            }
            _output.Out($"Dynamic subtest {name}: {Word(result)} ({Seconds(elapsed)}s)");
        }
        parent.DynamicRecords.Add(new IgtTestRecord
        {
            Name = $"{parent.Subtest.FullName}@{name}",
            Binary = parent.Subtest.Binary,
            Result = result,
            Out = capture.Out.ToString(),
            Err = capture.Err.ToString(),
            Dmesg = child.KernelLog.Text,
            DmesgWarnings = child.KernelLog.Unexpected,
            DmesgWarningsText = child.KernelLog.UnexpectedText,
            Duration = elapsed,
        });
    }

    /// <summary>Runs a subtest body on a thread of its own, abandoning it after the per-test timeout.</summary>
    private (IgtResult, TimeSpan) RunOnThread(IgtContext ctx, Action<IgtContext> body)
    {
        (IgtResult, TimeSpan) outcome = (IgtResult.Timeout, options.PerTestTimeout);
        _current = ctx;
        // Join orders the thread's write of the outcome before our read of it.
        var thread = new Thread(() => outcome = Execute(ctx, body)) { IsBackground = true, Name = $"igt {ctx.Subtest.ShortName}" };
        thread.Start();
        bool finished = thread.Join(options.PerTestTimeout);
        _current = null;
        if (finished)
        {
            return outcome;
        }

        _output.Abandon(thread);
        string seconds = options.PerTestTimeout.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        _output.Err($"{ctx.Prefix} CRITICAL: Subtest {ctx.Subtest.Name} still running after {seconds}s: abandoned");
        DumpDebug(ctx);
        return (IgtResult.Timeout, options.PerTestTimeout);
    }

    /// <summary>Runs a body and turns its outcome into a result, printing skips and failures as IGT does.</summary>
    private (IgtResult, TimeSpan) Execute(IgtContext ctx, Action<IgtContext> body)
    {
        var sw = Stopwatch.StartNew();
        IgtResult result;
        try
        {
            body(ctx);
            result = IgtResult.Success;
        }
        catch (IgtSkipException e)
        {
            ReportSkip(e);
            result = IgtResult.Skip;
        }
        catch (IgtFailException e)
        {
            ReportFailure(ctx, e);
            result = IgtResult.Fail;
        }
        catch (Exception e)
        {
            ReportCrash(ctx, e);
            result = IgtResult.Crash;
        }
        finally
        {
            ctx.Dispose();
        }
        return (result, sw.Elapsed);
    }

    private void OnLockdepReport(LockdepReport report)
    {
        IgtContext? ctx = _current;
        if (ctx is null)
        {
            return;
        }

        ctx.KernelLog.AddWarning($"WARNING: {report.Title}");
    }

    /// <summary>
    /// The result of a container of dynamic subtests that ended without failing itself (igt_success): FAIL if one
    /// of them failed, SKIP when none ran or every one was skipped (igt_skip does not count a skipped one as
    /// executed), else SUCCESS.
    /// </summary>
    private static IgtResult Aggregate(IgtSubtest st, IgtResult own, IReadOnlyList<IgtTestRecord> dynamic)
    {
        if (own != IgtResult.Success || !st.WithDynamic)
        {
            return own;
        }

        if (dynamic.Any(d => d.Result is IgtResult.Fail or IgtResult.Crash or IgtResult.Timeout))
        {
            return IgtResult.Fail;
        }

        return dynamic.All(d => d.Result == IgtResult.Skip) ? IgtResult.Skip : IgtResult.Success;
    }

    /// <summary>The result as IGT prints it.</summary>
    public static string Word(IgtResult result) => result switch
    {
        IgtResult.Success => "SUCCESS",
        IgtResult.Skip => "SKIP",
        IgtResult.Fail => "FAIL",
        IgtResult.Crash => "CRASH",
        _ => "TIMEOUT",
    };

    private static string Pad(int n, int width) => n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture);

    private static double UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
}
