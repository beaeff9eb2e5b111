using Driver.Core.Fences;

namespace Driver.Uapi;

/// <summary>
/// The userptr objects of one execbuf and the sequences their pages were got under, with the gate that holds the
/// request back until the submit check (<see cref="GpuDevice.UserptrSubmitDone"/>) has run — i915 queues the request
/// only after that check, so the request never runs before it knows whether it must carry -EAGAIN.
/// </summary>
internal sealed class UserptrExec
{
    /// <summary>The gate never stays shut this long (it is opened by execbuf right after submission).</summary>
    private static readonly TimeSpan s_gateBound = TimeSpan.FromMinutes(1);

    private int _opened;

    public UserptrExec(List<(UserptrObject Obj, long Seq)> objects) => Objects = objects;

    /// <summary>Each userptr object with the sequence its pages were got under.</summary>
    public List<(UserptrObject Obj, long Seq)> Objects { get; }

    /// <summary>An in-fence of the request.</summary>
    public ExternalFence Gate { get; } = new(s_gateBound, DmaFence.ContextAlloc(), 1);

    /// <summary>Opens the gate once, the request inheriting <paramref name="error"/> (0: none).</summary>
    public void Open(int error)
    {
        if (Interlocked.Exchange(ref _opened, 1) != 0)
        {
            return;
        }

        if (error != 0)
        {
            Gate.SetErrorOnce(error);
        }

        Gate.SignalExternal();
    }
}
