using System.Collections.Concurrent;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;

namespace Driver.Uapi.Tests.Vulkan;

/// <summary>
/// A GT wedge reaches work already handed to a backend (the Vulkan engine): __intel_gt_set_wedged cancels every
/// engine's requests through engine->reset.cancel, whoever executes them.
/// </summary>
public class BackendCancelTests
{
    /// <summary>Keeps every request it is given until cancelled, like a backend whose batches never end.</summary>
    private sealed class HoldingBackend : IEngineBackend
    {
        private readonly ConcurrentQueue<Request> _held = new();
        private int _cancels;

        public string Name => "holding";

        public bool IsBusy => !_held.IsEmpty;

        public int Cancels => Volatile.Read(ref _cancels);

        public int Held => _held.Count;

        public void Submit(Request rq) => _held.Enqueue(rq);

        public void ResetCancel()
        {
            Interlocked.Increment(ref _cancels);
            while (_held.TryDequeue(out Request? rq))
            {
                Engine.CancelOnCpu(rq);
            }
        }
    }

    [Fact]
    public void WedgeCancelsWhatTheBackendHoldsWithEio()
    {
        using var dev = new GpuDevice(DeviceConfig.Fast());
        var backend = new HoldingBackend();
        dev.Gt[EngineId.Vcs0].UseBackend(backend);
        Assert.Equal(0, dev.OpenClient(out int c));
        Assert.Equal(0, dev.CreateBuffer(c, 4096, out int batch));
        Assert.Equal(0, dev.Write(c, batch, 0, new BatchBuilder().End().ToArray()));
        var fences = new List<DmaFence>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, dev.Execbuf(new ExecbufArgs { Client = c, Engine = (int)EngineId.Vcs0, BatchHandle = batch }, out DmaFence? f));
            fences.Add(f!);
        }

        Assert.Equal(3, backend.Held);
        Assert.All(fences, f => Assert.Equal(0, f.Status));

        dev.Wedge();

        Assert.Equal(1, backend.Cancels);
        Assert.Equal(0, backend.Held);
        Assert.All(fences, f => Assert.Equal(-Errno.EIO, f.Status));
    }
}
