namespace Driver.Igt;

/// <summary>
/// IGT's log buffer: the last 256 log lines of a test (debug ones included), dumped to stderr between
/// "**** DEBUG ****" and "****  END  ****" when the test fails. A dynamic subtest's lines also go to its parent's.
/// </summary>
internal sealed class IgtDebugRing(IgtDebugRing? parent)
{
    /// <summary>Entries kept, as in lib/igt_core.c.</summary>
    public const int Capacity = 256;

    private readonly Lock _lock = new();
    private readonly Queue<string> _lines = new();

    /// <summary>Adds a line, dropping the oldest when full.</summary>
    public void Add(string line)
    {
        // Leaf lock: helper threads and the driver's log sink add lines concurrently.
        lock (_lock)
        {
            if (_lines.Count == Capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
        }
        parent?.Add(line);
    }

    /// <summary>The lines, oldest first.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return _lines.ToArray();
            }
        }
    }
}
