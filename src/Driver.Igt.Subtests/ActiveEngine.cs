using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// selftest_hangcheck's active_engine kthread: keeps an engine busy with nop requests from eight contexts, each
/// waiting (5 s at most) for the request it replaces; any that does not complete, or completes with an error, is
/// recorded. Its own client, so the subtest's assertions stay on the subtest's thread.
/// </summary>
internal sealed class ActiveEngine
{
    private readonly GpuDevice _dev;
    private readonly EngineId _engine;
    private readonly Thread _thread;
    private readonly int _fd;
    private readonly int _batch;
    private readonly int[] _contexts = new int[8];
    private volatile bool _stop;

    /// <summary>Starts the thread.</summary>
    public ActiveEngine(IgtContext t, GpuDevice dev, EngineId engine)
    {
        _dev = dev;
        _engine = engine;
        _fd = t.OpenClient(dev);
        _batch = IgtGem.BatchEnd(t, dev, _fd);
        for (int i = 0; i < _contexts.Length; i++)
        {
            _contexts[i] = IgtGem.ContextCreate(t, dev, _fd);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"igt/{engine.Name()}" };
        _thread.Start();
    }

    /// <summary>The first failure, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Requests submitted.</summary>
    public long Submitted { get; private set; }

    private void Run()
    {
        var rq = new DmaFence?[_contexts.Length];
        long count = 0;
        while (!_stop && Error is null)
        {
            int idx = (int)(count++ % rq.Length);
            DmaFence? old = rq[idx];
            int err = _dev.Execbuf(new ExecbufArgs { Client = _fd, Context = _contexts[idx], Engine = (int)_engine, BatchHandle = _batch }, out DmaFence? fresh);
            if (err != 0) { Error = $"{_engine.Name()}: submission failed with {err}"; break; }
            rq[idx] = fresh;
            Submitted++;
            Put(old);
        }
        foreach (DmaFence? r in rq)
        {
            Put(r);
        }
    }

    private void Put(DmaFence? rq)
    {
        if (rq is null || Error is not null)
        {
            return;
        }

        if (!rq.Wait(TimeSpan.FromSeconds(5)))
        {
            Error = $"{_engine.Name()} timed out waiting for completion of fence {rq}";
        }
        else if (rq.Status != 1)
        {
            Error = $"{_engine.Name()} request {rq} completed with {rq.Status}";
        }
    }

    /// <summary>kthread_stop: stops the thread and returns its first failure, or null.</summary>
    public string? Stop()
    {
        _stop = true;
        if (!_thread.Join(TimeSpan.FromSeconds(10)))
        {
            return $"{_engine.Name()}: thread did not stop";
        }

        _dev.CloseClient(_fd);
        return Error;
    }
}
