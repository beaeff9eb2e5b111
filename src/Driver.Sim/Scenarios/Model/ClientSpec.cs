namespace Driver.Sim.Scenarios.Model;

/// <summary>A client (an open DRM file) and the contexts it creates.</summary>
public sealed record ClientSpec
{
    /// <summary>Unique name steps refer to.</summary>
    public required string Name { get; init; }

    /// <summary>Privileged (CAP_SYS_ADMIN): may raise priority and make contexts unbannable.</summary>
    public bool Privileged { get; init; }

    /// <summary>Contexts to create; "default" names the client's default context (it always exists).</summary>
    public IReadOnlyList<ContextSpec> Contexts { get; init; } = [];
}
