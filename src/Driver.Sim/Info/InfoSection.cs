namespace Driver.Sim.Info;

/// <summary>A titled block of <c>gpusim info</c> (the device, recovery, one engine…).</summary>
public sealed record InfoSection(string Title, IReadOnlyList<InfoLine> Lines)
{
    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public string? this[string key] => Lines.FirstOrDefault(l => l.Key == key)?.Value;
}
