namespace Driver.Sim.Cli;

/// <summary>
/// Ctrl-C. The first press always gives the terminal its cursor back (a Spectre progress display hides it, and a
/// process killed mid-display would leave it hidden). A command that can stop early with a useful result (a soak,
/// which then prints its partial summary and the command that replays it) asks for <see cref="Graceful"/> while it
/// runs: the first press only cancels <see cref="Token"/> and the command finishes its round; a second press, or
/// any press during a command that cannot stop early, ends the process as usual.
/// </summary>
public sealed class Interrupt
{
    /// <summary>Shows the cursor again (DECTCEM).</summary>
    public const string ShowCursor = "\u001b[?25h";

    private readonly CancellationTokenSource _cancel = new();
    private readonly TextWriter _terminal;
    private readonly TextWriter _stderr;
    private readonly bool _isTerminal;
    private int _graceful;
    private int _presses;

    /// <summary>A handler writing to <paramref name="terminal"/> (the cursor) and <paramref name="stderr"/> (what happens now).</summary>
    public Interrupt(TextWriter terminal, TextWriter stderr, bool isTerminal)
    {
        _terminal = terminal;
        _stderr = stderr;
        _isTerminal = isTerminal;
    }

    /// <summary>The process's handler; a never-cancelled one until <see cref="Install"/>.</summary>
    public static Interrupt Current { get; private set; } = new(TextWriter.Null, TextWriter.Null, isTerminal: false);

    /// <summary>Cancelled by the first Ctrl-C while a command runs <see cref="Graceful"/>.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Makes this process's Ctrl-C go through a handler on the console (once, at startup).</summary>
    public static void Install()
    {
        Current = new Interrupt(Console.Out, Console.Error, !Console.IsOutputRedirected);
        Console.CancelKeyPress += (_, e) => e.Cancel = Current.OnPress();
    }

    /// <summary>While the returned scope is open, the first Ctrl-C cancels <see cref="Token"/> instead of ending the process.</summary>
    public IDisposable Graceful()
    {
        Interlocked.Increment(ref _graceful);
        return new Scope(this);
    }

    /// <summary>Handles one press; true to keep the process running (the command was asked to stop).</summary>
    public bool OnPress()
    {
        if (_isTerminal)
        {
            _terminal.Write(ShowCursor);
            _terminal.Flush();
        }
        if (Interlocked.Increment(ref _presses) == 1 && Volatile.Read(ref _graceful) > 0)
        {
            _stderr.WriteLine();
            _stderr.WriteLine($"{CliMessages.Prefix}interrupted: stopping after this round (Ctrl-C again to quit now)");
            _cancel.Cancel();
            return true;
        }
        return false;
    }

    private sealed class Scope(Interrupt owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._graceful);
            }
        }
    }
}
