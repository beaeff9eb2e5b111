using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>
/// A fence signalled from inside another fence's callback has its own callbacks run by the outermost signaller on the
/// thread, after the callback in progress returns: chains of any length signal without nesting (the kernel avoids the
/// same recursion by signalling from irq_work, dma_fence_signal never being called from a callback's stack frame
/// chain of unbounded depth).
/// </summary>
public class DeferredCallbackTests
{
    private sealed class SignalNext(DmaFence next, Action? also = null) : FenceCallback
    {
        public override void Invoke(DmaFence fence)
        {
            also?.Invoke();
            next.SetError(fence.Error == 0 ? -5 : fence.Error);
            next.Signal();
        }
    }

    private sealed class Record(List<string> log, string name) : FenceCallback
    {
        public override void Invoke(DmaFence fence) => log.Add(name);
    }

    [Fact]
    public void A200000LinkChainSignalsOnASmallStackWithErrorsPropagated()
    {
        const int Links = 200_000;
        var fences = new DmaFence[Links];
        for (int i = 0; i < Links; i++)
        {
            fences[i] = new DmaFence();
        }

        for (int i = 0; i + 1 < Links; i++)
        {
            Assert.True(fences[i].AddCallback(new SignalNext(fences[i + 1])));
        }

        TestThread.Start("small-stack-signaller", () => fences[0].Signal(), 128 * 1024).Join();
        Assert.Equal(1, fences[0].Status);
        Assert.All(fences.Skip(1), f => Assert.Equal(-5, f.Status));
    }

    [Fact]
    public void NestedCallbacksRunAfterTheCallbackInProgressInSignalOrder()
    {
        var log = new List<string>();
        var a = new DmaFence();
        var b = new DmaFence();
        var c = new DmaFence();
        a.AddCallback(new SignalNext(b, () => log.Add("a: signals b")));
        a.AddCallback(new Record(log, "a: second callback"));
        b.AddCallback(new SignalNext(c, () => log.Add("b: signals c")));
        c.AddCallback(new Record(log, "c: callback"));

        a.Signal();

        // b was signalled inside a's first callback: its callbacks waited for a's callbacks to finish.
        Assert.Equal(["a: signals b", "a: second callback", "b: signals c", "c: callback"], log);
        Assert.True(b.IsSignaled);
        Assert.True(c.IsSignaled);
    }

    [Fact]
    public void ANestedSignalIsVisibleAtOnceOnlyItsCallbacksWait()
    {
        var a = new DmaFence();
        var b = new DmaFence();
        bool sawBSignalled = false;
        bool bCallbackRanBeforeReturn = false;
        bool bCallbackRan = false;
        b.AddCallback(new Record([], "b") { });
        a.AddCallback(new SignalNext(b));
        a.AddCallback(new InlineCheck(() =>
        {
            sawBSignalled = b.IsSignaled;
            bCallbackRanBeforeReturn = bCallbackRan;
        }));
        b.AddCallback(new InlineCheck(() => bCallbackRan = true));

        a.Signal();

        Assert.True(sawBSignalled);
        Assert.False(bCallbackRanBeforeReturn);
        Assert.True(bCallbackRan);
    }

    private sealed class InlineCheck(Action action) : FenceCallback
    {
        public override void Invoke(DmaFence fence) => action();
    }

    private sealed class Throw(string message) : FenceCallback
    {
        public override void Invoke(DmaFence fence) => throw new InvalidOperationException(message);
    }

    [Fact]
    public void ACallbackThatThrows_DoesNotStopTheOthers_AndTheSignallerHearsOfIt()
    {
        // A throwing callback is a driver bug, but the fences the other callbacks would signal must still signal:
        // dma_fence_signal runs every callback of the list it took (a dma_fence_func_t cannot fail).
        var log = new List<string>();
        var a = new DmaFence();
        var b = new DmaFence();
        a.AddCallback(new Record(log, "a: first"));
        a.AddCallback(new Throw("a's second callback"));
        a.AddCallback(new SignalNext(b));
        b.AddCallback(new Throw("b's callback"));
        b.AddCallback(new Record(log, "b: after the throw"));

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => a.Signal());

        // The first exception is the one reported, once every callback, deferred ones included, has run.
        Assert.Equal("a's second callback", e.Message);
        Assert.Equal(["a: first", "b: after the throw"], log);
        Assert.Equal(1, a.Status);
        Assert.Equal(-5, b.Status);

        // The thread is not left believing it is still running callbacks: a later signal runs its own at once.
        var c = new DmaFence();
        bool ran = false;
        c.AddCallback(new InlineCheck(() => ran = true));
        c.Signal();
        Assert.True(ran);
    }
}
