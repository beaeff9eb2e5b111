using System.Runtime.CompilerServices;

namespace Driver.Core.Sync;

/// <summary>
/// A stoppable region of a <see cref="StopMachine"/>, left on <see cref="Dispose"/>. A struct so that
/// <c>using (machine.Region()) { ... }</c> allocates nothing. Dispose exactly once.
/// </summary>
public readonly struct StopMachineRegionScope : IDisposable
{
    private readonly StopMachine? _machine;

    /// <summary>Wraps a region that the caller has already entered on <paramref name="machine"/>.</summary>
    internal StopMachineRegionScope(StopMachine machine)
    {
        _machine = machine;
    }

    /// <summary>Leaves the region (<see cref="StopMachine.ExitRegion"/>); a default instance does nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose() => _machine?.ExitRegion();
}
