using Driver.Drm;

namespace Driver.Sim.Drm;

/// <summary>The drivers <c>gpusim serve</c> and <c>gpusim igt-run</c> can put behind the shim (<c>--driver</c>).</summary>
internal static class DrmDrivers
{
    /// <summary>The names <c>--driver</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Names = ["probe"];

    /// <summary>The default <c>--driver</c>.</summary>
    public const string Default = "probe";

    /// <summary>
    /// Creates the named driver and the arena fd the shim maps GEM memory from (-1 for none); null with
    /// <paramref name="error"/> when there is no such driver.
    /// </summary>
    public static IDrmDriver? Create(string name, out int arenaFd, out string? error)
    {
        arenaFd = -1;
        error = null;
        switch (name)
        {
            case "probe":
                return new ProbeDrmDriver();
            default:
                error = $"unknown --driver '{name}' (known: {string.Join(", ", Names)})";
                return null;
        }
    }
}
