namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Holds each deferred error capture of a device at its start (<c>GtReset.BeforeDeferredCapture</c>), its request on
/// hold, until <see cref="Release"/> is set (bounded by <see cref="Bound.Long"/>); <see cref="Copying"/> is set when one
/// is held. Disposing releases it.
/// </summary>
internal sealed class CaptureGate : IDisposable
{
    public CaptureGate(GpuDevice dev)
    {
        dev.Reset.BeforeDeferredCapture = _ =>
        {
            Copying.Set();
            Release.Wait(Bound.Long);
        };
    }

    /// <summary>Set once a capture has started and is held here.</summary>
    public ManualResetEventSlim Copying { get; } = new();

    /// <summary>Lets the held captures copy.</summary>
    public ManualResetEventSlim Release { get; } = new();

    /// <summary>Releases the captures (the events are left to the collector: a capture may still be waking from them).</summary>
    public void Dispose() => Release.Set();
}
