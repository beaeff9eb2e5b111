using Driver.Core.Locking;

namespace Driver.Testing;

/// <summary>
/// The lock validator is always on in the test suite. Every report on the default validator (tests that provoke
/// reports on purpose use private validators) is written to stderr and, when GPUSIM_LOCKDEP_REPORTS names a file,
/// appended there: .ci/run fails the run if that file is not empty. Each test assembly calls <see cref="Enable"/> from
/// its module initializer (tests/Shared/LockdepInitializer.cs, compiled into every test project).
/// </summary>
public static class TestLockdep
{
    private static readonly Lock s_fileLock = new();
    private static int s_enabled;
    private static int s_count;

    /// <summary>Reports seen on the default validator during this test run.</summary>
    public static int ReportCount => Volatile.Read(ref s_count);

    /// <summary>Turns the validator on and starts collecting its reports; once per process, whoever calls first.</summary>
    public static void Enable()
    {
        if (Interlocked.Exchange(ref s_enabled, 1) != 0)
        {
            return;
        }

        Lockdep.Enabled = true;
        string? file = Environment.GetEnvironmentVariable("GPUSIM_LOCKDEP_REPORTS");
        Lockdep.Default.ReportAdded += report =>
        {
            Interlocked.Increment(ref s_count);
            Console.Error.WriteLine(report.Text);
            if (string.IsNullOrEmpty(file))
            {
                return;
            }

            lock (s_fileLock)
            {
                File.AppendAllText(file, report.Text + Environment.NewLine);
            }
        };
    }
}
