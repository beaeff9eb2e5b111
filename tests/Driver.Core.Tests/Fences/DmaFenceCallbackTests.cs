using System.Collections.Concurrent;
using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>Callbacks: after the signal, in registration order, exactly once, outside the fence's lock.</summary>
public class DmaFenceCallbackTests
{
    [Fact]
    public void CallbackSeesTheFinalState()
    {
        var f = new DmaFence();
        bool sawSignalled = false;
        int sawStatus = 0;
        long sawStamp = 0;
        f.AddCallback(new ActionFenceCallback(x =>
        {
            sawSignalled = x.IsSignaled;
            sawStatus = x.Status;
            sawStamp = x.SignalTimestamp;
        }));
        f.SetError(-Errno.EIO);
        Assert.False(sawSignalled);
        f.Signal();
        Assert.True(sawSignalled);
        Assert.Equal(-Errno.EIO, sawStatus);
        Assert.NotEqual(0, sawStamp);
    }

    [Fact]
    public void CallbacksRunInRegistrationOrderExactlyOnce()
    {
        var f = new DmaFence();
        var order = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            int n = i;
            Assert.True(f.AddCallback(new ActionFenceCallback(_ => order.Add(n))));
        }
        f.Signal();
        f.Signal();
        Assert.Equal(Enumerable.Range(0, 10), order);
    }

    [Fact]
    public void AddCallbackOnSignalledFenceReturnsFalseAndNeverRuns()
    {
        var f = new DmaFence();
        f.Signal();
        int calls = 0;
        Assert.False(f.AddCallback(new ActionFenceCallback(_ => calls++)));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void RemovedCallbackDoesNotRun()
    {
        var f = new DmaFence();
        var ran = new List<string>();
        var a = new ActionFenceCallback(_ => ran.Add("a"));
        var b = new ActionFenceCallback(_ => ran.Add("b"));
        var c = new ActionFenceCallback(_ => ran.Add("c"));
        f.AddCallback(a);
        f.AddCallback(b);
        f.AddCallback(c);
        Assert.True(f.RemoveCallback(b));
        Assert.False(f.RemoveCallback(b));
        f.Signal();
        Assert.Equal(["a", "c"], ran);
        Assert.False(f.RemoveCallback(a));
    }

    [Fact]
    public void RemoveCallbackOfAnotherFenceReturnsFalse()
    {
        var f = new DmaFence();
        var g = new DmaFence();
        int calls = 0;
        var cb = new ActionFenceCallback(_ => calls++);
        g.AddCallback(cb);
        Assert.False(f.RemoveCallback(cb));
        g.Signal();
        Assert.Equal(1, calls);
    }

    [Fact]
    public void NodeCanBeReusedAfterItRan()
    {
        var f = new DmaFence();
        var g = new DmaFence();
        int calls = 0;
        var cb = new ActionFenceCallback(_ => calls++);
        f.AddCallback(cb);
        f.Signal();
        Assert.True(g.AddCallback(cb));
        g.Signal();
        Assert.Equal(2, calls);
    }

    [Fact]
    public void NodeQueuedTwiceIsRejected()
    {
        var f = new DmaFence();
        var cb = new ActionFenceCallback(_ => { });
        f.AddCallback(cb);
        Assert.Throws<InvalidOperationException>(() => f.AddCallback(cb));
        Assert.Throws<InvalidOperationException>(() => new DmaFence().AddCallback(cb));
    }

    [Fact]
    public async Task CallbackMayUseTheSameFenceWithoutDeadlock()
    {
        var f = new DmaFence();
        var results = new ConcurrentQueue<string>();
        var other = new ActionFenceCallback(_ => results.Enqueue("other"));
        f.AddCallback(new ActionFenceCallback(x =>
        {
            // Both take the fence's internal lock; the callback must run outside it. (A fence *wait* is not allowed
            // here at all: callbacks run in a signalling section, and the lock validator reports one.)
            results.Enqueue($"add:{x.AddCallback(new ActionFenceCallback(_ => results.Enqueue("late")))}");
            results.Enqueue($"remove:{x.RemoveCallback(other)}");
            results.Enqueue($"signalled:{x.IsSignaled}");
        }));
        f.AddCallback(other);
        // Signal on another thread so a deadlock fails the test instead of hanging it.
        Task<bool> signaller = Task.Run(() => f.Signal());
        // WaitAsync throws TimeoutException (failing the test) if the callback deadlocked on its own fence.
        Assert.True(await signaller.WaitAsync(Bound.Long));
        Assert.Equal(["add:False", "remove:False", "signalled:True", "other"], results);
    }

    [Fact]
    public async Task CallbackMaySignalAnotherFence()
    {
        var a = new DmaFence();
        var b = new DmaFence();
        int order = 0, bSeen = 0;
        a.AddCallback(new ActionFenceCallback(_ => b.Signal()));
        b.AddCallback(new ActionFenceCallback(_ => bSeen = ++order));
        Assert.True(await Task.Run(() => a.Signal()).WaitAsync(Bound.Long));
        Assert.True(b.IsSignaled);
        Assert.Equal(1, bSeen);
    }

    [Fact]
    public void CallbackRunsOnTheSignallingThread()
    {
        var f = new DmaFence();
        int thread = -1;
        f.AddCallback(new ActionFenceCallback(_ => thread = Environment.CurrentManagedThreadId));
        f.Signal();
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
    }
}
