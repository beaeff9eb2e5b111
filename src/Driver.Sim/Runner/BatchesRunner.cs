using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;

namespace Driver.Sim.Runner;

/// <summary>
/// A batches step. Each batch stores unique values at unique, shuffled dwords of the step's target object; the
/// dwords no batch targets are guards that must stay 0. With cross-engine dependencies, batch i also starts with a
/// conditional batch end on batch i-1's last store, so a batch that ran before its dependency skips its own stores
/// and shows up as mismatches: ordering is verified by the GPU itself.
/// </summary>
/// <remarks>Batch i lives at byte <c>i × slot</c> of one batch object: [COND_BB_END dep] ARB_CHECK [WORK] STORE… BB_END.</remarks>
internal sealed class BatchesRunner : IStepRunner
{
    private readonly BatchesStep _spec;
    private readonly RunSession _session;
    private readonly ClientHandle _client;
    private readonly int _context;
    private readonly int _stores;
    private EngineId[] _engineOf = [];
    private int[] _slotOf = [];
    private uint[] _valueOf = [];
    private int[] _fenceIndex = [];
    private int _targetHandle;
    private int _batchHandle;
    private BufferMapping? _batchMap;
    private uint _targetAddress;
    private int _targetDwords;
    private int _slotDwords;

    /// <summary>Creates the runner of <paramref name="spec"/>.</summary>
    public BatchesRunner(BatchesStep spec, string name, RunSession session)
    {
        _spec = spec;
        _session = session;
        _client = session.Clients[spec.Client];
        _context = _client.Contexts[spec.Context];
        _stores = spec.StoresPerBatch;
        Tracker = new WorkloadTracker(name, spec.Kind, spec.Client, spec.Context);
    }

    /// <inheritdoc/>
    public WorkloadTracker Tracker { get; }

    /// <inheritdoc/>
    public string? ThreadGroup => _spec.Client;

    private bool Chained => _spec.DependsOnPrevious == Dependency.CrossEngine && _stores > 0;

    /// <inheritdoc/>
    public void Prepare()
    {
        GpuDevice dev = _session.Device;
        int count = _spec.Count;
        _engineOf = PickEngines(count);

        // Target: every store gets its own dword, plus a quarter more as guards, shuffled together.
        int slots = count * _stores;
        int guards = Math.Max(16, slots / 4);
        long targetBytes = RoundUpToPage((slots + guards) * 4L);
        _targetDwords = (int)(targetBytes / 4);
        Check(dev.CreateBuffer(_client.Id, targetBytes, out _targetHandle), "create the target object");
        Check(dev.Bind(_client.Id, _targetHandle, out _targetAddress), "bind the target object");
        int[] order = Enumerable.Range(0, _targetDwords).ToArray();
        _session.Random.Shuffle(order);
        _slotOf = order[..slots];
        _valueOf = new uint[slots];
        for (int i = 0; i < slots; i++)
        {
            _valueOf[i] = _session.Values.Next();
        }

        _slotDwords = (Chained ? 3 : 0) + 1 + (_spec.WorkNs > 0 ? 2 : 0) + 3 * _stores + 1;
        Check(dev.CreateBuffer(_client.Id, RoundUpToPage((long)count * _slotDwords * 4), out _batchHandle), "create the batch object");
        uint[] dwords = new uint[_slotDwords];
        for (int i = 0; i < count; i++)
        {
            int n = Encode(i, dwords, dependency: true);
            Check(dev.Write(_client.Id, _batchHandle, SlotOffset(i), dwords.AsSpan(0, n)), "write a batch");
        }
        Check(dev.Map(_client.Id, _batchHandle, out _batchMap), "map the batch object");
        _fenceIndex = new int[count];
    }

    private EngineId[] PickEngines(int count)
    {
        EngineId[] engines = _spec.Engines.IsAll
            ? EngineIds.All.ToArray()
            : _spec.Engines.Names.Select(n => EngineIds.TryParse(n, out EngineId id) ? id : throw new InvalidOperationException(n)).ToArray();
        var picks = new EngineId[count];
        int previous = -1;
        for (int i = 0; i < count; i++)
        {
            int pick;
            if (_spec.Distribution == Distribution.RoundRobin || engines.Length == 1)
            {
                pick = i % engines.Length;
            }
            else if (previous < 0)
            {
                pick = _session.Random.Next(engines.Length);
            }
            else
            {
                // Never the previous engine, so a cross-engine chain really crosses engines.
                pick = _session.Random.Next(engines.Length - 1);
                if (pick >= previous)
                {
                    pick++;
                }
            }
            picks[i] = engines[pick];
            previous = pick;
        }
        return picks;
    }

    /// <summary>Writes batch <paramref name="i"/>'s instructions; returns the dword count.</summary>
    private int Encode(int i, uint[] dwords, bool dependency)
    {
        var b = new BatchBuilder();
        if (Chained && i > 0)
        {
            if (dependency)
            {
                int lastOfPrevious = i * _stores - 1;
                b.ConditionalEnd(AddressOf(lastOfPrevious), CompareOp.Equal, _valueOf[lastOfPrevious]);
            }
            else
            {
                b.Noop(3);
            }
        }
        b.ArbCheck();
        if (_spec.WorkNs > 0)
        {
            b.Work((uint)_spec.WorkNs);
        }

        for (int j = 0; j < _stores; j++)
        {
            int s = i * _stores + j;
            b.StoreDword(AddressOf(s), _valueOf[s]);
        }
        b.End();
        uint[] a = b.ToArray();
        a.CopyTo(dwords, 0);
        return a.Length;
    }

    private uint AddressOf(int store) => _targetAddress + (uint)_slotOf[store] * 4;

    private long SlotOffset(int i) => (long)i * _slotDwords * 4;

    /// <inheritdoc/>
    public void Execute()
    {
        GpuDevice dev = _session.Device;
        var sw = Stopwatch.StartNew();
        var inFlight = new Queue<DmaFence>();
        bool throttle = _spec.MaxInFlight > 0;
        DmaFence? previous = null;
        bool previousRejected = false;
        int rejected = 0;
        for (int i = 0; i < _spec.Count; i++)
        {
            if (Chained && i > 0 && previousRejected)
            {
                // Batch i-1 never ran: nothing to wait for, so drop the dependency check from this batch.
                uint[] nops = new uint[_slotDwords];
                int n = Encode(i, nops, dependency: false);
                // Through a CPU mapping, not PWRITE: the earlier slots of this object are still executing, and a
                // PWRITE waits for every GPU user of the object (i915_gem_object_prepare_write).
                Check(_batchMap!.Write(SlotOffset(i), nops.AsSpan(0, n)), "rewrite a batch");
            }
            while (throttle && inFlight.Count >= _spec.MaxInFlight)
            {
                if (!inFlight.Peek().Wait(_session.DrainTimeout))
                {
                    _session.Log.Warning("{Step}: a fence is still pending after {Timeout}; no longer throttling", Tracker.Name, _session.DrainTimeout);
                    throttle = false;
                    break;
                }
                inFlight.Dequeue();
            }
            IReadOnlyList<DmaFence> inFences = _spec.DependsOnPrevious == Dependency.CrossEngine && previous is not null ? [previous] : [];
            int err = dev.Execbuf(new ExecbufArgs
            {
                Client = _client.Id,
                Context = _context,
                Engine = (int)_engineOf[i],
                BatchHandle = _batchHandle,
                BatchOffset = SlotOffset(i),
                InFences = inFences,
            }, out DmaFence? fence);
            if (err == 0)
            {
                _fenceIndex[i] = Tracker.Submitted(fence!, _engineOf[i]);
                if (throttle)
                {
                    inFlight.Enqueue(fence!);
                }

                previous = fence;
                previousRejected = false;
            }
            else
            {
                _fenceIndex[i] = -1;
                Tracker.Rejected(err);
                previous = null;
                previousRejected = true;
                rejected++;
            }
        }
        _session.Log.Debug("{Step}: {Count} batches submitted in {Ms:F1} ms, {Rejected} refused",
            Tracker.Name, _spec.Count, sw.Elapsed.TotalMilliseconds, rejected);
    }

    /// <inheritdoc/>
    public void Verify(StoreTally tally)
    {
        uint[] memory = new uint[_targetDwords];
        // Through a mapping, not PREAD: PREAD waits for the object's writers without a bound, and a runner that
        // found a fence still pending after its drain timeout must report it rather than hang here.
        Check(_session.Device.Map(_client.Id, _targetHandle, out BufferMapping? target), "map the target object");
        Check(target!.Read(0, memory), "read the target object");
        bool[] targeted = new bool[_targetDwords];
        for (int i = 0; i < _spec.Count; i++)
        {
            int status = _fenceIndex[i] < 0 ? int.MinValue : Tracker.StatusAt(_fenceIndex[i]);
            for (int j = 0; j < _stores; j++)
            {
                int s = i * _stores + j;
                int slot = _slotOf[s];
                targeted[slot] = true;
                uint found = memory[slot];
                if (status == int.MinValue)
                {
                    // Refused at execbuf: it never ran, so its dword must still be 0.
                    tally.Skipped++;
                    if (found != 0)
                    {
                        Mismatch(tally, i, j, s, found, "refused batch");
                    }
                }
                else if (status == 0)
                {
                    tally.Unchecked++;
                }
                else if (Errno.IsFatal(status))
                {
                    tally.Skipped++;
                }
                else if (found == _valueOf[s])
                {
                    tally.Verified++;
                }
                else
                {
                    Mismatch(tally, i, j, s, found, $"fence status {StatusText(status)}");
                }
            }
        }
        for (int d = 0; d < _targetDwords; d++)
        {
            if (targeted[d] || memory[d] == 0)
            {
                continue;
            }

            tally.Stray++;
            tally.Sample($"{Tracker.Name}: guard dword 0x{_targetAddress + d * 4:x8} holds 0x{memory[d]:x8} (no store targets it)");
        }
    }

    private void Mismatch(StoreTally tally, int batch, int store, int s, uint found, string why)
    {
        tally.Mismatched++;
        tally.Sample($"{Tracker.Name}: batch {batch} on {_engineOf[batch].Name()} store {store} at 0x{AddressOf(s):x8}: " +
            $"expected 0x{_valueOf[s]:x8}, found 0x{found:x8} ({why})");
    }

    private static string StatusText(int status) => status == 1 ? "ok" : Errno.Name(status);

    /// <inheritdoc/>
    public void Finish()
    {
    }

    private static long RoundUpToPage(long bytes) => Math.Max(DeviceMemory.PageSize, (bytes + DeviceMemory.PageSize - 1) / DeviceMemory.PageSize * DeviceMemory.PageSize);

    private void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new ScenarioRunException($"{Tracker.Name}: could not {what}: {Errno.Name(err)}");
        }
    }
}
