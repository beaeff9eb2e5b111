using Driver.Reset.Recovery;

namespace Driver.Sim.Tests.Mmap;

/// <summary>An <see cref="IResetObserver"/> made of optional delegates, for tests that act at a precise reset step.</summary>
internal sealed class HookObserver : IResetObserver
{
    public Action? Prepare { get; init; }
    public Action? HardwareReset { get; init; }
    public Action? Restore { get; init; }
    public Action? Finish { get; init; }

    public void OnResetPrepare() => Prepare?.Invoke();
    public void OnHardwareReset(HardwareResetPath path) => HardwareReset?.Invoke();
    public void OnResetRestore() => Restore?.Invoke();
    public void OnResetFinish() => Finish?.Invoke();
}
