namespace Driver.Core.Hw;

/// <summary>Names, classes and masks of the engines.</summary>
public static class EngineIds
{
    /// <summary>Number of engines.</summary>
    public const int Count = 5;

    /// <summary>Mask with every engine's bit.</summary>
    public const uint AllMask = (1u << Count) - 1;

    private static readonly string[] s_names = ["rcs0", "bcs0", "vcs0", "vecs0", "ccs0"];

    /// <summary>Every engine id in order.</summary>
    public static IReadOnlyList<EngineId> All { get; } = [EngineId.Rcs0, EngineId.Bcs0, EngineId.Vcs0, EngineId.Vecs0, EngineId.Ccs0];

    /// <summary>The kernel's name for the engine ("rcs0").</summary>
    public static string Name(this EngineId id) => s_names[(int)id];

    /// <summary>The engine's class.</summary>
    public static EngineClass Class(this EngineId id) => (EngineClass)(int)id;

    /// <summary>The engine's bit in an engine mask.</summary>
    public static uint Mask(this EngineId id) => 1u << (int)id;

    /// <summary>Parses "rcs0" etc.; false for anything else.</summary>
    public static bool TryParse(string name, out EngineId id)
    {
        int i = Array.IndexOf(s_names, name);
        id = (EngineId)Math.Max(i, 0);
        return i >= 0;
    }
}
