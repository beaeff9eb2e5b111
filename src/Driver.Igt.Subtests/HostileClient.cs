using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_exec_whisper's struct hang: a client of its own whose batch starts with an invalid instruction and jumps
/// back to itself, submitted on every engine. Its context is unbannable (igt_allow_hang) so that it can go on
/// hanging every pass: the simulator faults on the invalid instruction at once, so it hangs far more often than
/// hardware, where hangcheck needs seconds to notice.
/// </summary>
internal sealed class HostileClient
{
    private readonly IgtContext _t;
    private readonly GpuDevice _dev;
    private readonly int _fd;
    private readonly int _ctx;
    private readonly int _batch;

    /// <summary>Opens the client and builds its batch.</summary>
    public HostileClient(IgtContext t, GpuDevice dev)
    {
        _t = t;
        _dev = dev;
        _fd = t.OpenClient(dev);
        _ctx = IgtGem.ContextCreate(t, dev, _fd);
        IgtGem.SetParam(t, dev, _fd, _ctx, ContextParam.Bannable, 0);
        _batch = IgtGem.Create(t, dev, _fd);
        uint offset = IgtGem.Offset(t, dev, _fd, _batch);
        IgtGem.Write(t, dev, _fd, _batch, 0, new BatchBuilder().Emit(0xffffffff, 0xdeadbeef, 0xc00fee00, 0x00c00fee).Jump(offset).ToArray());
    }

    /// <summary>submit_hang: the hanging batch on every engine.</summary>
    public void Submit()
    {
        foreach (EngineId e in EngineIds.All)
        {
            IgtGem.Execbuf(_t, _dev, new ExecbufArgs { Client = _fd, Context = _ctx, Engine = (int)e, BatchHandle = _batch });
        }
    }

    /// <summary>fini_hang.</summary>
    public void Close()
    {
        IgtGem.Sync(_t, _dev, _fd, _batch);
        _t.AssertEq(_dev.CloseClient(_fd), 0);
    }
}
