namespace Driver.Engines.Execution;

/// <summary>A hold on an engine's <see cref="Engine.IsAwake"/> (an engine wakeref, intel_engine_pm_get); dispose once.</summary>
public readonly struct EngineAwakeHold : IDisposable
{
    private readonly Engine _engine;

    internal EngineAwakeHold(Engine engine) => _engine = engine;

    /// <summary>Drops the hold (intel_engine_pm_put).</summary>
    public void Dispose() => _engine?.DropAwake();
}
