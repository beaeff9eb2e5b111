using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Sim.Runner;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>
/// One submitting thread of the soak: round after round (<see cref="SoakRound"/>) on a fresh context of its own
/// client until told to stop. A client banned for its hangs is replaced by a new one; while the device is wedged it
/// waits for the unwedge. A round whose fences are not all signalled within the bound is handed to the final drain.
/// </summary>
internal sealed class SoakSubmitter
{
    /// <summary>Slice of a round's wait, between two looks at the stop flag.</summary>
    private static readonly TimeSpan s_waitSlice = TimeSpan.FromMilliseconds(50);

    private readonly GpuDevice _device;
    private readonly SoakAudit _audit;
    private readonly int _index;
    private readonly Random _random;
    private readonly UniqueValues _values;
    private readonly Func<bool> _stop;
    private readonly Thread _thread;
    private readonly SoakOptions _options;
    private readonly List<int> _oldClients = new();
    private int _client;
    private int _rounds;

    /// <summary>Creates (does not start) submitter <paramref name="index"/>.</summary>
    public SoakSubmitter(GpuDevice device, SoakAudit audit, int index, int seed, Func<bool> stop, SoakOptions options)
    {
        _options = options;
        _device = device;
        _audit = audit;
        _index = index;
        _random = new Random(unchecked(seed * 7919 + index));
        _values = new UniqueValues(unchecked(seed + index * 1_000_003));
        _stop = stop;
        _thread = new Thread(Run) { Name = $"soak-{index}", IsBackground = true };
    }

    /// <summary>Rounds whose fences were still pending at their bound: verified after the final drain.</summary>
    public List<SoakRound> Deferred { get; } = new();

    /// <summary>
    /// Fences of rounds whose client was closed with their work pending: they must still signal once, with ok, -EIO
    /// or -EAGAIN (checked as they signal, the rest after the final drain).
    /// </summary>
    public List<SoakFence> Orphans { get; } = new();

    /// <summary>The thread's name, for reports.</summary>
    public string Name => _thread.Name!;

    /// <summary>Closes every client this thread opened (after the final drain).</summary>
    public void CloseClients()
    {
        foreach (int c in _oldClients)
        {
            _device.CloseClient(c);
        }

        if (_client != 0)
        {
            _device.CloseClient(_client);
        }
    }

    /// <summary>Unexpected failure of the thread itself, if any.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Rounds completed.</summary>
    public int Rounds => Volatile.Read(ref _rounds);

    /// <summary>Starts the thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Waits for the thread to finish its round; false if it did not within <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        try
        {
            while (!_stop())
            {
                _options.BeforeRound?.Invoke(_device, _index);
                CheckOrphans();
                // Now and then a client that closes with its work in flight, as a process killed mid-frame does.
                if (_random.Next(16) == 0)
                {
                    OrphanRound();
                    continue;
                }

                if (!OpenContext(out int ctx))
                {
                    continue;
                }

                var round = new SoakRound(_device, _audit, _client, ctx, $"t{_index}/round{_rounds}/ctx{ctx}");
                if (!round.Prepare(_random, _values))
                {
                    _device.DestroyContext(_client, ctx);
                    Thread.Sleep(1);
                    continue;
                }

                // Some rounds wait on an external (vgem) fence first, signalled from here once submitted.
                int vgemFence = _random.Next(8) == 0 ? round.AttachExternalFence() : 0;
                round.Submit(_random, _stop);
                if (vgemFence != 0)
                {
                    round.SignalExternalFence(vgemFence);
                }

                // Some contexts are closed with their work pending (i915_gem_context_close): it must still complete.
                if (_random.Next(8) == 0)
                {
                    _device.DestroyContext(_client, ctx);
                }

                if (WaitRound(round))
                {
                    round.Verify();
                }
                else
                {
                    Deferred.Add(round);
                }

                Interlocked.Increment(ref _rounds);
            }
        }
        catch (Exception e)
        {
            Failure = e;
        }
    }

    /// <summary>
    /// Waits for a round's fences up to <see cref="SoakOptions.RoundWait"/>, in slices so that a stop request is seen
    /// at once: a round still pending then goes to the final drain instead of holding the thread past its join bound.
    /// </summary>
    private bool WaitRound(SoakRound round)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(_options.RoundWait.TotalSeconds * Stopwatch.Frequency);
        long slice = (long)(s_waitSlice.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (round.Wait(Math.Min(deadline, now + slice)))
            {
                return true;
            }

            if (_stop() || Stopwatch.GetTimestamp() >= deadline)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// A round on a client of its own that is closed right after the submission, its work still queued or running:
    /// the fences are watched to the end, the stores are not (the objects went with the client).
    /// </summary>
    private void OrphanRound()
    {
        if (_device.OpenClient(out int client, name: $"soak{_index}-orphan") != 0)
        {
            return;
        }

        if (_device.CreateContext(client, out int ctx) == 0)
        {
            var round = new SoakRound(_device, _audit, client, ctx, $"t{_index}/orphan{_rounds}/ctx{ctx}");
            if (round.Prepare(_random, _values))
            {
                round.Submit(_random, _stop);
                Orphans.AddRange(round.Watched);
            }
        }

        _device.CloseClient(client);
    }

    /// <summary>Checks the orphaned fences that have signalled and forgets them, so a long soak does not accumulate them.</summary>
    private void CheckOrphans()
    {
        Orphans.RemoveAll(f =>
        {
            if (!f.Fence.IsSignaled)
            {
                return false;
            }

            _audit.CheckFence(f);
            return true;
        });
    }

    /// <summary>
    /// A new context (bannable or not, at random) on our client, reopening the client when it was banned; false while
    /// the device is wedged (after a short pause) or when stopping.
    /// </summary>
    private bool OpenContext(out int ctx)
    {
        ctx = 0;
        if (_client == 0)
        {
            _device.OpenClient(out _client, name: $"soak{_index}");
        }

        int err = _device.CreateContext(_client, out ctx);
        if (err == -Errno.EIO)
        {
            if (_device.IsWedged)
            {
                Thread.Sleep(2);
                return false;
            }
            // Banned for its hangs (a client ban is permanent): start over as a new client, as a process would. The
            // old one stays open until the end only if deferred rounds still read their objects through it; otherwise
            // it is closed now, so that a long soak does not accumulate banned clients.
            if (Deferred.Any(r => r.Client == _client))
            {
                _oldClients.Add(_client);
            }
            else
            {
                _device.CloseClient(_client);
            }

            _client = 0;
            return false;
        }
        if (err != 0)
        {
            _audit.Violation($"soak{_index}: CONTEXT_CREATE failed with {Errno.Name(err)}");
            Thread.Sleep(1);
            return false;
        }
        _device.SetContextParam(_client, ctx, ContextParam.Bannable, _random.Next(3) == 0 ? 0 : 1);
        return true;
    }
}
