using System.Collections.Concurrent;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Vulkan;

/// <summary>Engine.UseBackend without Vulkan: a recording backend takes the engine's requests, through wedge and unwedge.</summary>
public class EngineBackendRoutingTests
{
    /// <summary>Completes every request at once on the submitting thread (as a backend may), recording it.</summary>
    private sealed class RecordingBackend : IEngineBackend
    {
        public ConcurrentQueue<Request> Seen { get; } = new();
        public string Name => "recording";
        public bool IsBusy => false;

        public void Submit(Request rq)
        {
            Seen.Enqueue(rq);
            Engine.CompleteOnCpu(rq);
        }

        // Holds nothing: every request completed in Submit.
        public void ResetCancel()
        {
        }
    }

    private static int Submit(GpuDevice dev, int client, int batch, out Driver.Core.Fences.DmaFence? fence) =>
        dev.Execbuf(new ExecbufArgs { Client = client, Engine = (int)EngineId.Vcs0, BatchHandle = batch }, out fence);

    [Fact]
    public void TheBackendTakesTheEnginesRequestsAndSurvivesWedgeAndUnwedge()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        var backend = new RecordingBackend();
        Engine engine = dev.Gt[EngineId.Vcs0];
        engine.UseBackend(backend);
        Assert.Same(backend, engine.Backend);
        dev.OpenClient(out int c);
        dev.CreateBuffer(c, 4096, out int batch);
        dev.Write(c, batch, 0, new BatchBuilder().End().ToArray());

        Assert.Equal(0, Submit(dev, c, batch, out DmaFence? first));
        Assert.True(first!.Wait(Bound.Long));
        Assert.Equal(1, first.Status);
        Assert.Single(backend.Seen);
        Assert.Equal(0, engine.Submitted);

        dev.Wedge();
        Assert.Equal(-Errno.EIO, Submit(dev, c, batch, out _));
        Assert.True(dev.Unwedge());
        // Unwedge restores the default handler: still the backend.
        Assert.Equal(0, Submit(dev, c, batch, out DmaFence? after));
        Assert.True(after!.Wait(Bound.Long));
        Assert.Equal(1, after.Status);
        Assert.Equal(2, backend.Seen.Count);

        engine.UseBackend(null);
        Assert.Null(engine.Backend);
        Assert.Equal(0, Submit(dev, c, batch, out DmaFence? simulated));
        Assert.True(simulated!.Wait(Bound.Long));
        Assert.Equal(2, backend.Seen.Count);
        Assert.Equal(1, engine.Submitted);
    }

    [Fact]
    public void AttachingWhileWedgedLeavesTheNopHandlerUntilUnwedge()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        var backend = new RecordingBackend();
        Engine engine = dev.Gt[EngineId.Vcs0];
        dev.Wedge();
        Action<Request> nop = engine.SubmitRequest;
        engine.UseBackend(backend);
        Assert.Same(nop, engine.SubmitRequest);
        Assert.True(dev.Unwedge());
        Assert.Equal(engine.DefaultSubmitRequest, engine.SubmitRequest);
        dev.OpenClient(out int c);
        dev.CreateBuffer(c, 4096, out int batch);
        dev.Write(c, batch, 0, new BatchBuilder().End().ToArray());
        Assert.Equal(0, Submit(dev, c, batch, out DmaFence? f));
        Assert.True(f!.Wait(Bound.Long));
        Assert.Single(backend.Seen);
    }
}
