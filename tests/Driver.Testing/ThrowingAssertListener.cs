using System.Diagnostics;

namespace Driver.Testing;

/// <summary>
/// The driver checks its preconditions and invariants with <see cref="Debug.Assert(bool, string)"/> (the kernel's
/// GEM_BUG_ON), and the tests run Debug builds so every check is live. By default a failed assert ends the process,
/// which would take the whole test host and every other test's result with it: under test a failure throws
/// <see cref="DebugAssertException"/> instead (a trace listener in place of the default one, which .NET consults for
/// Debug.Fail once System.Diagnostics.Trace is in use), failing the test that hit it, with the message.
/// </summary>
public sealed class ThrowingAssertListener : TraceListener
{
    private static int s_installed;

    /// <summary>Installs the listener for this process; once, whoever calls first.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
        {
            Trace.Listeners.Clear();
            Trace.Listeners.Add(new ThrowingAssertListener());
        }
    }

    /// <inheritdoc/>
    public override void Fail(string? message, string? detailMessage) =>
        throw new DebugAssertException(detailMessage is null ? message ?? "Debug.Assert failed" : $"{message}: {detailMessage}");

    /// <inheritdoc/>
    public override void Write(string? message)
    {
    }

    /// <inheritdoc/>
    public override void WriteLine(string? message)
    {
    }
}
