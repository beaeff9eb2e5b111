using Driver.Core.Fences;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// One out-fence of the invariant stress test and what its batch was to store, with a callback that counts how often
/// the fence signalled and the status it had at that moment (which must already be final: error before signal).
/// </summary>
internal sealed class FenceRecord : FenceCallback
{
    private int _calls;

    /// <summary>Registers the callback on <paramref name="fence"/>.</summary>
    public FenceRecord(string what, DmaFence fence, TargetBuffer? target = null, int slot = 0, uint value = 0)
    {
        What = what;
        Fence = fence;
        Target = target;
        Slot = slot;
        Value = value;
        // Signalled already: the callback is refused and the registration itself counts as the one signal seen.
        SignalledBeforeRegistration = !fence.AddCallback(this);
        if (SignalledBeforeRegistration)
        {
            StatusAtSignal = fence.Status;
        }
    }

    /// <summary>Description for failure messages.</summary>
    public string What { get; }

    /// <summary>The fence.</summary>
    public DmaFence Fence { get; }

    /// <summary>Where the batch stores, or null for a batch that stores nothing checked (spinners).</summary>
    public TargetBuffer? Target { get; }

    /// <summary>Slot of <see cref="Target"/> the batch stores into.</summary>
    public int Slot { get; }

    /// <summary>Value the batch stores.</summary>
    public uint Value { get; }

    /// <summary>Whether the fence had signalled before the callback could be added.</summary>
    public bool SignalledBeforeRegistration { get; }

    /// <summary>Times the callback ran.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Status read inside the callback (or at registration if already signalled).</summary>
    public int StatusAtSignal { get; private set; }

    /// <summary>Signals observed: callback runs, or one if it had signalled before registration.</summary>
    public int SignalsSeen => Calls + (SignalledBeforeRegistration ? 1 : 0);

    /// <inheritdoc/>
    public override void Invoke(DmaFence fence)
    {
        StatusAtSignal = fence.Status;
        Interlocked.Increment(ref _calls);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{What} ({Fence}, signals seen {SignalsSeen}, status at signal {StatusAtSignal})";
}
