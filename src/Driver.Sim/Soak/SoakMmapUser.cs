using Driver.Core.Errors;
using Driver.Core.Ggtt;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Sim.Glitch;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>
/// The soak's GTT-mmap user (igt gem_mmap_gtt@hang's children, as in <c>gpusim glitch</c>): an X- and a Y-tiled
/// object mapped through the aperture, each pass writing a pattern to every dword and reading it back, while the
/// injector's full resets clobber the fence registers. The soak's device uses the <c>revoke</c> policy, under which
/// a reset revokes the mappings and the next access faults them back in: a read-back that differs is a violation,
/// as is any error but the fault path's -EIO (reset lock timed out). The exception is a pass that a wedge or unwedge
/// glitched: those reset the hardware without revoking (as __intel_gt_set_wedged does), so their misrouted accesses
/// are i915's behaviour, not the policy failing; such passes are counted apart.
/// </summary>
internal sealed class SoakMmapUser
{
    private const int ObjectBytes = 64 * 1024;
    private static readonly uint[] s_patterns = [0xaaaaaaaau, 0x55555555u, 0xccccccccu, 0x33333333u];

    private readonly GpuDevice _device;
    private readonly SoakAudit _audit;
    private readonly Func<bool> _stop;
    private readonly Thread _thread;
    private int _client;
    private long _accesses, _errors, _wedgeGlitchedPasses;

    /// <summary>Creates (does not start) the mmap user.</summary>
    public SoakMmapUser(GpuDevice device, SoakAudit audit, Func<bool> stop)
    {
        _device = device;
        _audit = audit;
        _stop = stop;
        _thread = new Thread(Run) { Name = "soak-mmap", IsBackground = true };
    }

    /// <summary>Dword accesses done.</summary>
    public long Accesses => Interlocked.Read(ref _accesses);

    /// <summary>Accesses that failed with -EIO (tolerated: the fault path's reset lock timed out).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Passes whose read-back differed because a wedge or unwedge reset the fence registers under them.</summary>
    public long WedgeGlitchedPasses => Interlocked.Read(ref _wedgeGlitchedPasses);

    /// <summary>Unexpected failure of the thread itself, if any.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The thread's name, for reports.</summary>
    public string Name => _thread.Name!;

    /// <summary>Starts the thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Waits for the thread; false if it did not finish within <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>Closes the client (with its objects and mappings) after the thread finished.</summary>
    public void Close()
    {
        if (_client != 0)
        {
            _device.CloseClient(_client);
        }
    }

    private void Run()
    {
        try
        {
            _device.OpenClient(out _client, name: "soak-mmap");
            GttMapping[] mappings = [Map(TilingMode.X, GlitchRunner.XStride), Map(TilingMode.Y, GlitchRunner.YStride)];
            for (int pass = 0; !_stop(); pass++)
            {
                uint pattern = s_patterns[pass % s_patterns.Length];
                foreach (GttMapping m in mappings)
                {
                    Pass(m, pattern, pass);
                    if (_stop())
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception e)
        {
            Failure = e;
        }
    }

    private void Pass(GttMapping m, uint pattern, int pass)
    {
        long wedgeGlitches = WedgePathGlitches();
        long fullResetGlitches = _device.Mmaps.GlitchesOn(HardwareResetPath.FullReset);
        var mismatches = new List<string>();
        bool[] written = new bool[m.Size / 4];
        for (long off = 0; off < m.Size; off += 4)
        {
            written[off / 4] = Check(m.Write(off, pattern), m, off, "write", pass);
        }

        for (long off = 0; off < m.Size; off += 4)
        {
            int err = m.Read(off, out uint value);
            if (Check(err, m, off, "read", pass) && written[off / 4] && value != pattern)
            {
                mismatches.Add($"soak-mmap pass {pass}: {m.Tiling}-tiled dword at 0x{off:x} reads 0x{value:x8} after writing 0x{pattern:x8} (revoke policy)");
            }
        }

        Interlocked.Add(ref _accesses, m.Size / 2);
        if (mismatches.Count == 0)
        {
            return;
        }

        bool wedgeWindow = WedgePathGlitches() != wedgeGlitches;
        bool policyWindow = _device.Mmaps.GlitchesOn(HardwareResetPath.FullReset) != fullResetGlitches;
        if (wedgeWindow && !policyWindow)
        {
            Interlocked.Increment(ref _wedgeGlitchedPasses);
            return;
        }

        foreach (string mismatch in mismatches)
        {
            _audit.Violation(mismatch);
        }
    }

    private long WedgePathGlitches() =>
        _device.Mmaps.GlitchesOn(HardwareResetPath.Wedge) + _device.Mmaps.GlitchesOn(HardwareResetPath.Unwedge);

    private bool Check(int err, GttMapping m, long off, string what, int pass)
    {
        if (err == 0)
        {
            return true;
        }

        if (err == -Errno.EIO)
        {
            Interlocked.Increment(ref _errors);
        }
        else
        {
            _audit.Violation($"soak-mmap pass {pass}: {what} of the {m.Tiling}-tiled mapping at 0x{off:x} failed with {Errno.Name(err)}");
        }

        return false;
    }

    private GttMapping Map(TilingMode tiling, int stride)
    {
        int err = _device.CreateBuffer(_client, ObjectBytes, out int handle);
        if (err == 0)
        {
            err = _device.MapGtt(_client, handle, tiling, stride, out GttMapping? mapping);
            if (err == 0)
            {
                return mapping!;
            }
        }

        throw new InvalidOperationException($"soak-mmap: mapping a {tiling}-tiled object failed with {Errno.Name(err)}");
    }
}
