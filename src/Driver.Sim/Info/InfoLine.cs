namespace Driver.Sim.Info;

/// <summary>One property of <c>gpusim info</c>: a key, its value, and the default when the value differs from it.</summary>
public sealed record InfoLine(string Key, string Value, string? Default = null);
