namespace Driver.Igt;

/// <summary>
/// The runner's console: every line goes to the real stdout/stderr and to each capture open at the time (the
/// subtest's, and a dynamic subtest's inside it). Thread-safe: helper threads may print.
/// </summary>
internal sealed class IgtOutput(TextWriter stdout, TextWriter stderr)
{
    private readonly Lock _lock = new();
    private readonly List<IgtCapture> _captures = new();
    // Thread objects, not managed thread ids: an id is reused once its thread ends, and must not silence the next one.
    private readonly HashSet<Thread> _abandoned = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Silences the thread of a subtest abandoned after its timeout: igt_runner kills such a test, so nothing it
    /// prints afterwards (its failure report, its debug dump) may reach the console or the next test's capture.
    /// </summary>
    public void Abandon(Thread thread)
    {
        lock (_lock)
        {
            _abandoned.Add(thread);
        }
    }

    /// <summary>Whether the calling thread belongs to an abandoned subtest.</summary>
    public bool IsAbandoned()
    {
        lock (_lock)
        {
            return _abandoned.Contains(Thread.CurrentThread);
        }
    }

    /// <summary>Writes a line to stdout.</summary>
    public void Out(string line)
    {
        // Orders the console write with the captures: a line appears in the same order everywhere.
        lock (_lock)
        {
            if (_abandoned.Contains(Thread.CurrentThread))
            {
                return;
            }

            stdout.WriteLine(line);
            foreach (IgtCapture c in _captures)
            {
                c.Out.Append(line).Append('\n');
            }
        }
    }

    /// <summary>Writes a line to stderr.</summary>
    public void Err(string line)
    {
        lock (_lock)
        {
            if (_abandoned.Contains(Thread.CurrentThread))
            {
                return;
            }

            stderr.WriteLine(line);
            foreach (IgtCapture c in _captures)
            {
                c.Err.Append(line).Append('\n');
            }
        }
    }

    /// <summary>Starts capturing into <paramref name="capture"/> until the result is disposed.</summary>
    public IDisposable Capture(IgtCapture capture)
    {
        lock (_lock)
        {
            _captures.Add(capture);
        }

        return new Release(this, capture);
    }

    /// <summary>Flushes the console writers.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    private sealed class Release(IgtOutput output, IgtCapture capture) : IDisposable
    {
        public void Dispose()
        {
            lock (output._lock)
            {
                output._captures.Remove(capture);
            }
        }
    }
}
