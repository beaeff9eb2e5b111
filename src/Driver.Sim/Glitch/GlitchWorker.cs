using System.Diagnostics;
using Driver.Reset.Mmap;

namespace Driver.Sim.Glitch;

/// <summary>
/// One mmap user thread of the glitch run (a child of igt gem_mmap_gtt@hang): for each of its tiled mappings in
/// turn, write the pass's pattern to every dword, then read every dword back and check it, until told to stop.
/// </summary>
internal sealed class GlitchWorker
{
    private static readonly uint[] s_patterns = [0u, 0xaaaaaaaau, 0x55555555u, 0xccccccccu];

    private readonly GttMapping[] _mappings;
    private readonly Func<bool> _stopRequested;
    private readonly Action? _beforePass;

    public GlitchWorker(GttMapping[] mappings, Func<bool> stopRequested, Action? beforePass = null)
    {
        _mappings = mappings;
        _stopRequested = stopRequested;
        _beforePass = beforePass;
    }

    /// <summary>Accesses completed so far, readable while the thread runs (the runner's progress gate).</summary>
    public long Progress => Volatile.Read(ref _progress);
    private long _progress;

    /// <summary>Accesses performed.</summary>
    public long Accesses { get; private set; }

    /// <summary>Longest single access, in Stopwatch ticks.</summary>
    public long MaxStallTicks { get; private set; }

    /// <summary>Read-back values that differed from the pattern.</summary>
    public long Mismatches { get; private set; }

    /// <summary>Accesses that returned an errno.</summary>
    public long Failures { get; private set; }

    /// <summary>The thread body. Counters are read after the thread is joined.</summary>
    public void Run()
    {
        long accesses = 0, maxStall = 0, mismatches = 0, failures = 0;
        // At least one pass, even when the stop came before this thread first ran (a loaded machine): a run whose
        // users made no access measures nothing.
        for (int pass = 0; pass == 0 || !_stopRequested(); pass++)
        {
            _beforePass?.Invoke();
            uint pattern = s_patterns[pass % s_patterns.Length];
            foreach (GttMapping m in _mappings)
            {
                long size = m.Size;
                for (long off = 0; off < size; off += 4)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    int err = m.Write(off, pattern);
                    long dt = Stopwatch.GetTimestamp() - t0;
                    // Only this thread writes it; the runner reads it (no ordering needed beyond atomicity).
                    Volatile.Write(ref _progress, _progress + 1);
                    if (dt > maxStall)
                    {
                        maxStall = dt;
                    }

                    if (err != 0)
                    {
                        failures++;
                    }
                }
                for (long off = 0; off < size; off += 4)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    int err = m.Read(off, out uint value);
                    long dt = Stopwatch.GetTimestamp() - t0;
                    Volatile.Write(ref _progress, _progress + 1);
                    if (dt > maxStall)
                    {
                        maxStall = dt;
                    }

                    if (err != 0)
                    {
                        failures++;
                    }
                    else if (value != pattern)
                    {
                        mismatches++;
                    }
                }
                accesses += size / 2; // size/4 writes + size/4 reads
                if (_stopRequested())
                {
                    break;
                }
            }
        }
        Accesses = accesses;
        MaxStallTicks = maxStall;
        Mismatches = mismatches;
        Failures = failures;
    }
}
