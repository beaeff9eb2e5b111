using System.Runtime.CompilerServices;

namespace Driver.Core.Sync;

/// <summary>
/// A read-side section of an <see cref="Epoch"/>, left on <see cref="Dispose"/>. A struct so that
/// <c>using (epoch.Read()) { ... }</c> allocates nothing (the compiler calls Dispose without boxing).
/// Dispose exactly once: a second Dispose is an extra <see cref="Epoch.ReadUnlock"/>.
/// </summary>
public readonly struct EpochReadScope : IDisposable
{
    private readonly Epoch? _epoch;

    /// <summary>Wraps a section that the caller has already entered on <paramref name="epoch"/>.</summary>
    internal EpochReadScope(Epoch epoch)
    {
        _epoch = epoch;
    }

    /// <summary>Leaves the section (<see cref="Epoch.ReadUnlock"/>); a default instance does nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose() => _epoch?.ReadUnlock();
}
