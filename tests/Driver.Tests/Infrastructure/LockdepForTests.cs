using System.Runtime.CompilerServices;
using Driver.Core.Locking;

namespace Driver.Tests.Infrastructure;

/// <summary>
/// The lock validator is always on in the test suite. Every report on the default validator (tests that provoke
/// reports on purpose use private validators) is written to stderr and, when GPUSIM_LOCKDEP_REPORTS names a file,
/// appended there: .ci/run fails the build if that file is not empty.
/// </summary>
internal static class LockdepForTests
{
    private static readonly Lock s_fileLock = new();

    /// <summary>Reports seen on the default validator during this test run.</summary>
    public static int ReportCount => Volatile.Read(ref s_count);
    private static int s_count;

    [ModuleInitializer]
    internal static void Enable()
    {
        Lockdep.Enabled = true;
        string? file = Environment.GetEnvironmentVariable("GPUSIM_LOCKDEP_REPORTS");
        Lockdep.Default.ReportAdded += report =>
        {
            Interlocked.Increment(ref s_count);
            Console.Error.WriteLine(report.Text);
            if (string.IsNullOrEmpty(file)) return;
            lock (s_fileLock) File.AppendAllText(file, report.Text + Environment.NewLine);
        };
    }
}
