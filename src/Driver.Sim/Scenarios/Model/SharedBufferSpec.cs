namespace Driver.Sim.Scenarios.Model;

/// <summary>A buffer the device shares with its peer: created by <see cref="Client"/>, exported, imported by the peer.</summary>
public sealed record SharedBufferSpec
{
    /// <summary>Unique name; hang steps' <c>objects</c> and setDomain steps' <c>buffer</c> refer to it.</summary>
    public required string Name { get; init; }

    /// <summary>The client (of the device) that creates and exports it; hang steps of that client may use it.</summary>
    public required string Client { get; init; }

    /// <summary>Size in bytes (default one page).</summary>
    public int Size { get; init; } = 4096;
}
