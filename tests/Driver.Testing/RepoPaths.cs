namespace Driver.Testing;

/// <summary>Locates files of the source tree from the test binaries (walks up to the directory holding GpuSim.sln).</summary>
public static class RepoPaths
{
    /// <summary>The repository root, or null when the tests run outside a checkout.</summary>
    public static string? Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "GpuSim.sln")))
                {
                    return dir.FullName;
                }
            }

            return null;
        }
    }

    /// <summary>The kernels' source directory.</summary>
    public static string Shaders => Path.Combine(Root ?? throw new InvalidOperationException("not in a checkout"), "src", "Driver.Engines.Vulkan", "Shaders");

    /// <summary>Full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}
