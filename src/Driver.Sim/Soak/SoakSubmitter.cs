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
    /// <summary>Bound on waiting for one round's fences before it is left to the final drain.</summary>
    private static readonly TimeSpan s_roundWait = TimeSpan.FromSeconds(10);

    private readonly GpuDevice _device;
    private readonly SoakAudit _audit;
    private readonly int _index;
    private readonly Random _random;
    private readonly UniqueValues _values;
    private readonly Func<bool> _stop;
    private readonly Thread _thread;
    private readonly List<int> _oldClients = new();
    private int _client;
    private int _rounds;

    /// <summary>Creates (does not start) submitter <paramref name="index"/>.</summary>
    public SoakSubmitter(GpuDevice device, SoakAudit audit, int index, int seed, Func<bool> stop)
    {
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
                round.Submit(_random, _stop);
                long deadline = Stopwatch.GetTimestamp() + (long)(s_roundWait.TotalSeconds * Stopwatch.Frequency);
                if (round.Wait(deadline))
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
            // old one stays open until the end: deferred rounds still read their objects through it.
            _oldClients.Add(_client);
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
