using System.Diagnostics.CodeAnalysis;

namespace Driver.Reset.Mmap;

/// <summary>The configuration / command-line names of <see cref="MmapResetPolicy"/>.</summary>
public static class MmapResetPolicyNames
{
    /// <summary>Every accepted name, in enum order.</summary>
    public static IReadOnlyList<string> All { get; } = ["glitch", "stop-machine", "revoke"];

    /// <summary>The name of <paramref name="policy"/> (<c>"glitch"</c>, <c>"stop-machine"</c>, <c>"revoke"</c>).</summary>
    public static string ToName(this MmapResetPolicy policy) => policy switch
    {
        MmapResetPolicy.Glitch => "glitch",
        MmapResetPolicy.StopMachine => "stop-machine",
        MmapResetPolicy.Revoke => "revoke",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown mmap reset policy"),
    };

    /// <summary>Parses a name (exact, lower case); false for anything else, including null.</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, out MmapResetPolicy policy)
    {
        switch (name)
        {
            case "glitch": policy = MmapResetPolicy.Glitch; return true;
            case "stop-machine": policy = MmapResetPolicy.StopMachine; return true;
            case "revoke": policy = MmapResetPolicy.Revoke; return true;
            default: policy = default; return false;
        }
    }

    /// <summary>Parses a name; ArgumentException naming the accepted values otherwise.</summary>
    public static MmapResetPolicy Parse(string? name) =>
        TryParse(name, out MmapResetPolicy policy)
            ? policy
            : throw new ArgumentException($"mmapResetPolicy must be one of {string.Join(", ", All.Select(n => $"\"{n}\""))}, not \"{name}\"", nameof(name));
}
