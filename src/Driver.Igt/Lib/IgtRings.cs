using Driver.Core.Hw;

namespace Driver.Igt.Lib;

/// <summary>IGT's legacy ring names (intel_execution_rings) for the simulated engines; the compute engine has none.</summary>
public static class IgtRings
{
    /// <summary>Ring name and engine, in IGT's order.</summary>
    public static IReadOnlyList<(string Name, EngineId Engine)> All { get; } =
        [("render", EngineId.Rcs0), ("bsd", EngineId.Vcs0), ("blt", EngineId.Bcs0), ("vebox", EngineId.Vecs0)];
}
