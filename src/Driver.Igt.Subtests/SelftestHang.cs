using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// selftest_hangcheck's struct hang: requests from an unbannable context whose batch stores a marker into a status
/// page ("running"), pads with no-ops and jumps back to its start, never yielding. <see cref="End"/> writes
/// MI_BATCH_BUFFER_END over the first dword of every batch made, as hang_fini does.
/// </summary>
internal sealed class SelftestHang
{
    private readonly IgtContext _t;
    private readonly GpuDevice _dev;
    private readonly int _fd;
    private readonly int _ctx;
    private readonly int _hws;
    private readonly uint _hwsAddress;
    private readonly Core.Memory.BufferMapping _hwsMap;
    private readonly List<int> _batches = new();
    private uint _marker;

    /// <summary>hang_init.</summary>
    public SelftestHang(IgtContext t, GpuDevice dev)
    {
        _t = t;
        _dev = dev;
        _fd = t.OpenClient(dev);
        _ctx = IgtGem.ContextCreate(t, dev, _fd);
        IgtGem.SetParam(t, dev, _fd, _ctx, ContextParam.Bannable, 0);
        _hws = IgtGem.Create(t, dev, _fd);
        _hwsAddress = IgtGem.Offset(t, dev, _fd, _hws);
        t.AssertEq(dev.Map(_fd, _hws, out BufferMapping? map), 0);
        _hwsMap = map!;
    }

    /// <summary>hang_create_request + i915_request_add: a hanging request on <paramref name="engine"/>; returns it and its marker.</summary>
    public (DmaFence Rq, uint Marker) Create(EngineId engine)
    {
        uint marker = ++_marker;
        int batch = IgtGem.Create(_t, _dev, _fd);
        uint start = IgtGem.Offset(_t, _dev, _fd, batch);
        BatchBuilder b = new BatchBuilder().StoreDword(_hwsAddress + (uint)engine * 4, marker).Noop(256).Jump(start);
        IgtGem.Write(_t, _dev, _fd, batch, 0, b.ToArray());
        _batches.Add(batch);
        DmaFence rq = IgtGem.Execbuf(_t, _dev, new ExecbufArgs { Client = _fd, Context = _ctx, Engine = (int)engine, BatchHandle = batch });
        return (rq, marker);
    }

    /// <summary>wait_until_running: the request's marker shows up within a second.</summary>
    public bool WaitUntilRunning(EngineId engine, uint marker)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (_hwsMap[(int)engine] != marker)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Yield();
        }
        return true;
    }

    /// <summary>hang_fini: ends every batch made (they stop at their next pass through the start).</summary>
    public void End()
    {
        foreach (int batch in _batches)
        {
            // A CPU store through a mapping (the selftest's vaddr), not PWRITE, which would wait for the very batch
            // it is meant to end.
            if (_dev.Map(_fd, batch, out BufferMapping? map) == 0)
            {
                _ = map!.Write(0, Mi.BatchBufferEnd);
            }
        }
    }
}
