using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Sim.Runner;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>
/// One round of one soak thread: a fresh context, a target object whose dwords are shuffled among the round's
/// stores (the rest are guards that must stay 0), and a batch object with one slot per batch
/// (ARB_CHECK, optional WORK, STORE_DWORD_IMM × stores, BATCH_BUFFER_END). Batches go to random engines, some
/// depending on the previous one. Once every fence has signalled, the statuses and stores are checked.
/// </summary>
internal sealed class SoakRound
{
    /// <summary>Batches per round.</summary>
    public const int Batches = 48;

    /// <summary>Stores per batch.</summary>
    public const int StoresPerBatch = 4;

    private const int SlotDwords = 1 + 2 + 3 * StoresPerBatch + 1;

    private readonly GpuDevice _device;
    private readonly SoakAudit _audit;
    private readonly int _client;
    private readonly int _context;
    private readonly string _name;
    private readonly int[] _slotOf = new int[Batches * StoresPerBatch];
    private readonly uint[] _valueOf = new uint[Batches * StoresPerBatch];
    private readonly List<(SoakFence Fence, int Batch)> _submitted = new(Batches);
    private readonly int _targetDwords;
    private int _target;
    private int _batch;
    private uint _targetAddress;
    private int _scratch;
    private DmaFence? _external;

    /// <summary>Creates a round on an existing client and context.</summary>
    public SoakRound(GpuDevice device, SoakAudit audit, int client, int context, string name)
    {
        _device = device;
        _audit = audit;
        _client = client;
        _context = context;
        _name = name;
        _targetDwords = (int)(RoundUpToPage(Batches * StoresPerBatch * 4L + 1024) / 4);
    }

    /// <summary>The fences submitted.</summary>
    public IEnumerable<DmaFence> Fences => _submitted.Select(s => s.Fence.Fence);

    /// <summary>The watched fences of the batches submitted.</summary>
    public IEnumerable<SoakFence> Watched => _submitted.Select(s => s.Fence);

    /// <summary>The client the round's objects belong to.</summary>
    public int Client => _client;

    /// <summary>
    /// Attaches an external (vgem) write fence to a scratch object of the round and makes the first batch wait for it
    /// (VGEM_FENCE_ATTACH, exported as a sync_file in-fence). Returns the vgem fence id, or 0 if the device refused.
    /// </summary>
    public int AttachExternalFence()
    {
        if (_device.CreateBuffer(_client, DeviceMemory.PageSize, out _scratch) != 0)
        {
            _scratch = 0;
            return 0;
        }

        if (_device.VgemFenceAttach(_client, _scratch, GpuDevice.VgemFenceWrite, 0, out int id) != 0)
        {
            return 0;
        }

        // Not exported (it cannot fail for a fence just attached): no batch waits for it, but it is still signalled.
        _device.VgemFenceExport(_client, id, out _external);
        return id;
    }

    /// <summary>Signals the external fence (the other device finished); its scratch object goes with the round.</summary>
    public void SignalExternalFence(int id)
    {
        int err = _device.VgemFenceSignal(_client, id);
        // -ETIMEDOUT: it had signalled itself after DeviceConfig.VgemFenceTimeout (the batch waited that long).
        if (err != 0 && err != -Errno.ETIMEDOUT)
        {
            _audit.Violation($"{_name}: VGEM_FENCE_SIGNAL failed with {Errno.Name(err)}");
        }
    }

    /// <summary>Creates and fills the objects; false (objects released) if the device refused.</summary>
    public bool Prepare(Random random, UniqueValues values)
    {
        if (_device.CreateBuffer(_client, _targetDwords * 4L, out _target) != 0)
        {
            return false;
        }

        if (_device.Bind(_client, _target, out _targetAddress) != 0 ||
            _device.CreateBuffer(_client, RoundUpToPage(Batches * SlotDwords * 4L), out _batch) != 0)
        {
            _device.CloseBuffer(_client, _target);
            return false;
        }
        int[] order = Enumerable.Range(0, _targetDwords).ToArray();
        random.Shuffle(order);
        Array.Copy(order, _slotOf, _slotOf.Length);
        for (int i = 0; i < _valueOf.Length; i++)
        {
            _valueOf[i] = values.Next();
        }

        for (int b = 0; b < Batches; b++)
        {
            BatchBuilder builder = new BatchBuilder().ArbCheck();
            // Half the batches do some work: a reset then finds them mid-batch (a safe point inside WORK), which is
            // what makes innocent victims (-EAGAIN) and replays of started batches.
            if (random.Next(2) == 0)
            {
                builder.Work((uint)random.Next(5_000, 200_000));
            }

            for (int s = 0; s < StoresPerBatch; s++)
            {
                int store = b * StoresPerBatch + s;
                builder.StoreDword(_targetAddress + (uint)_slotOf[store] * 4, _valueOf[store]);
            }
            builder.End();
            _device.Write(_client, _batch, (long)b * SlotDwords * 4, builder.ToArray());
        }
        return true;
    }

    /// <summary>
    /// Submits the batches (stopping early when <paramref name="stop"/> is set or a refusal says the context or
    /// device is gone). Returns false when an execbuf was refused with -EIO.
    /// </summary>
    public bool Submit(Random random, Func<bool> stop)
    {
        DmaFence? previous = null;
        for (int b = 0; b < Batches && !stop(); b++)
        {
            var engine = (EngineId)random.Next(EngineIds.Count);
            IReadOnlyList<DmaFence> inFences = previous is not null && random.Next(6) == 0 ? [previous]
                : b == 0 && _external is not null ? [_external] : [];
            int err = _device.Execbuf(new ExecbufArgs
            {
                Client = _client,
                Context = _context,
                Engine = (int)engine,
                BatchHandle = _batch,
                BatchOffset = (long)b * SlotDwords * 4,
                Objects = [_target],
                InFences = inFences,
            }, out DmaFence? fence);
            if (err != 0)
            {
                _audit.ExecbufRefused(err, $"{_name} batch {b} on {engine.Name()}");
                if (err == -Errno.EIO)
                {
                    return false;
                }

                continue;
            }
            _audit.BatchSubmitted();
            _submitted.Add((new SoakFence(fence!, $"{_name} batch {b} on {engine.Name()}", _audit), b));
            previous = fence;
        }
        return true;
    }

    /// <summary>Waits for every fence until <paramref name="deadline"/> (a Stopwatch timestamp); false if some are still pending.</summary>
    public bool Wait(long deadline)
    {
        foreach ((SoakFence? f, int _) in _submitted)
        {
            if (f.Fence.IsSignaled)
            {
                continue;
            }

            var left = TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            if (!f.Fence.Wait(left))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Checks every fence and the stores: an ok or -EAGAIN batch's stores must all be there, a batch that failed
    /// (-EIO) or was never submitted is skipped, and no guard dword may be written. Then releases the objects.
    /// </summary>
    public void Verify()
    {
        uint[] memory = new uint[_targetDwords];
        // Through a mapping, not PREAD: PREAD waits for the object's writers without a bound, and the audit must
        // report a fence that never signalled rather than hang on it.
        if (_device.Map(_client, _target, out BufferMapping? target) != 0 || target!.Read(0, memory) != 0)
        {
            _audit.Violation($"{_name}: cannot read the target object");
            Release();
            return;
        }
        bool[] targeted = new bool[_targetDwords];
        var submittedBatches = new HashSet<int>();
        foreach ((SoakFence? f, int b) in _submitted)
        {
            submittedBatches.Add(b);
            int status = _audit.CheckFence(f);
            int verified = 0, mismatched = 0, skipped = 0;
            for (int s = 0; s < StoresPerBatch; s++)
            {
                int store = b * StoresPerBatch + s;
                targeted[_slotOf[store]] = true;
                uint found = memory[_slotOf[store]];
                if (status == 1 || status == -Errno.EAGAIN)
                {
                    if (found == _valueOf[store])
                    {
                        verified++;
                    }
                    else
                    {
                        mismatched++;
                        _audit.Violation($"{f.What}: status {(status == 1 ? "ok" : "EAGAIN")} but store {s} at 0x{_targetAddress + _slotOf[store] * 4:x8} holds 0x{found:x8}, expected 0x{_valueOf[store]:x8}");
                    }
                }
                else
                {
                    skipped++;
                }
            }
            _audit.Stores(verified, mismatched, skipped);
        }
        // Batches never submitted (refused, or the round stopped early) must not have stored anything.
        int stray = 0;
        for (int b = 0; b < Batches; b++)
        {
            if (submittedBatches.Contains(b))
            {
                continue;
            }

            for (int s = 0; s < StoresPerBatch; s++)
            {
                targeted[_slotOf[b * StoresPerBatch + s]] = false;
            }
        }
        for (int d = 0; d < _targetDwords; d++)
        {
            if (targeted[d] || memory[d] == 0)
            {
                continue;
            }

            stray++;
            if (stray == 1)
            {
                _audit.Violation($"{_name}: dword 0x{_targetAddress + d * 4:x8} holds 0x{memory[d]:x8}, which no submitted batch stores");
            }
        }
        _audit.Stray(stray);
        Release();
    }

    /// <summary>Closes the objects (released once idle) and the context.</summary>
    public void Release()
    {
        _device.CloseBuffer(_client, _batch);
        _device.CloseBuffer(_client, _target);
        if (_scratch != 0)
        {
            _device.CloseBuffer(_client, _scratch);
        }

        _device.DestroyContext(_client, _context);
    }

    private static long RoundUpToPage(long bytes) => (bytes + DeviceMemory.PageSize - 1) / DeviceMemory.PageSize * DeviceMemory.PageSize;
}
