using System.Collections.Concurrent;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>
/// The soak's hang injector thread: every few tens of milliseconds, one of <see cref="SoakInjection"/> at random
/// (spinners most often, a wedge rarely), from its own client. Spinners are ended after a bound in case nothing
/// resets them, and released once their fence has signalled.
/// </summary>
internal sealed class SoakInjector
{
    /// <summary>A spinner nobody reset by then ends itself (a safety net: hang detection should always get there first).</summary>
    private static readonly TimeSpan s_spinnerBound = TimeSpan.FromSeconds(3);

    private readonly GpuDevice _device;
    private readonly SoakAudit _audit;
    private readonly Random _random;
    private readonly Func<bool> _stop;
    private readonly Thread _thread;
    private readonly List<(Spinner Spinner, SoakFence Fence, int Client)> _spinners = new();
    private readonly ConcurrentDictionary<SoakInjection, int> _counts = new();
    private readonly List<int> _clients = new();
    private int _client;
    private int _context;
    private int _spinnerCount;

    /// <summary>Creates (does not start) the injector.</summary>
    public SoakInjector(GpuDevice device, SoakAudit audit, int seed, Func<bool> stop)
    {
        _device = device;
        _audit = audit;
        _random = new Random(unchecked(seed * 31 + 17));
        _stop = stop;
        _thread = new Thread(Run) { Name = "soak-injector", IsBackground = true };
    }

    /// <summary>Injections done, by kind.</summary>
    public IReadOnlyDictionary<SoakInjection, int> Counts => new SortedDictionary<SoakInjection, int>(_counts);

    /// <summary>Fences of every spinner submitted (checked after the drain).</summary>
    public IEnumerable<SoakFence> SpinnerFences => _spinners.Select(s => s.Fence);

    /// <summary>Unexpected failure of the thread itself, if any.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Starts the thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Waits for the thread; false if it did not finish within <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>Ends every spinner still running (before the final drain).</summary>
    public void EndSpinners()
    {
        foreach ((Spinner s, SoakFence _, int _) in _spinners)
        {
            s.End();
        }
    }

    /// <summary>Releases the spinners' objects and closes the clients (after the final drain).</summary>
    public void Release()
    {
        foreach ((Spinner s, SoakFence _, int _) in _spinners)
        {
            s.Dispose();
        }

        foreach (int c in _clients)
        {
            _device.CloseClient(c);
        }
    }

    private void Run()
    {
        try
        {
            while (!_stop())
            {
                Thread.Sleep(_random.Next(10, 60));
                if (_stop())
                {
                    break;
                }

                Prune();
                int roll = _random.Next(100);
                SoakInjection kind = roll switch
                {
                    < 30 => SoakInjection.NonPreemptibleSpinner,
                    < 45 => SoakInjection.InvalidCsSpinner,
                    < 65 => SoakInjection.EngineReset,
                    < 80 => SoakInjection.FailedEngineReset,
                    < 95 => SoakInjection.FullReset,
                    _ => SoakInjection.WedgeUnwedge,
                };
                if (Inject(kind))
                {
                    _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
                }
            }
        }
        catch (Exception e)
        {
            Failure = e;
        }
    }

    /// <summary>
    /// Checks and releases the spinners whose fence has signalled, and closes the banned clients none of whose
    /// spinners is left: a long soak keeps only what is still in flight.
    /// </summary>
    private void Prune()
    {
        _spinners.RemoveAll(s =>
        {
            if (!s.Fence.Fence.IsSignaled)
            {
                return false;
            }

            _audit.CheckFence(s.Fence);
            s.Spinner.Dispose();
            return true;
        });
        _clients.RemoveAll(c =>
        {
            if (c == _client || _spinners.Any(s => s.Client == c))
            {
                return false;
            }

            _device.CloseClient(c);
            return true;
        });
    }

    private bool Inject(SoakInjection kind)
    {
        switch (kind)
        {
            case SoakInjection.NonPreemptibleSpinner:
            case SoakInjection.InvalidCsSpinner:
                return Spin(kind == SoakInjection.InvalidCsSpinner);
            case SoakInjection.EngineReset:
                uint mask = (uint)_random.Next(1, (int)EngineIds.AllMask + 1);
                _device.ForceReset(mask, "soak: forced engine reset");
                return true;
            case SoakInjection.FailedEngineReset:
                var engine = (EngineId)_random.Next(EngineIds.Count);
                _device.Reset.Faults.FailEngineResets(1);
                _device.ForceReset(engine.Mask(), "soak: engine reset made to fail");
                // Not consumed when the engine reset was skipped (another reset held the engine): do not leak it.
                _device.Reset.Faults.FailEngineResets(0);
                return true;
            case SoakInjection.FullReset:
                _device.ForceFullReset("soak: forced full reset");
                return true;
            default:
                _device.Wedge("soak: injected wedge");
                Thread.Sleep(_random.Next(5, 40));
                // An unwedge can fail (its reset failed): try a few times; the device must come back for the soak to go on.
                for (int i = 0; i < 5 && !_device.Unwedge(); i++)
                {
                    Thread.Sleep(10);
                }

                return true;
        }
    }

    private bool Spin(bool invalid)
    {
        if (!EnsureContext())
        {
            return false;
        }

        var engine = (EngineId)_random.Next(EngineIds.Count);
        int err = Spinner.Create(_device, _client, new SpinnerOptions { Context = _context, Engine = engine, NoPreemption = !invalid, InvalidCs = invalid }, out Spinner? spinner);
        if (err != 0)
        {
            _audit.ExecbufRefused(err, $"injector spinner on {engine.Name()}");
            // Banned context (or wedged device): next time, a new context.
            if (err == -Errno.EIO)
            {
                _context = -1;
            }

            return false;
        }
        _audit.SpinnerSubmitted();
        spinner!.SetTimeout(s_spinnerBound);
        _spinners.Add((spinner, new SoakFence(spinner.Fence, $"{(invalid ? "invalid-CS" : "non-preemptible")} spinner {_spinnerCount++} on {engine.Name()}", _audit), _client));
        return true;
    }

    /// <summary>A usable context on a usable client; false while wedged.</summary>
    private bool EnsureContext()
    {
        if (_client != 0 && _context >= 0)
        {
            return true;
        }

        if (_device.IsWedged)
        {
            return false;
        }

        if (_client == 0)
        {
            _device.OpenClient(out _client, name: "injector");
            _clients.Add(_client);
        }
        int err = _device.CreateContext(_client, out int ctx);
        if (err == -Errno.EIO && !_device.IsWedged)
        {
            // The client was banned for its hangs: a new client next time.
            _client = 0;
            return false;
        }
        if (err != 0)
        {
            return false;
        }

        _context = ctx;
        return true;
    }
}
