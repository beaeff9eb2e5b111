namespace Driver.Sim.Cli;

/// <summary>Checks that an output file can be written, before the run.</summary>
internal static class OutputFile
{
    /// <summary>Creates (or truncates) <paramref name="path"/>; false with the reason when that fails.</summary>
    public static bool TryCreate(string path, out string? problem)
    {
        try
        {
            using var _ = new FileStream(path, FileMode.Create, FileAccess.Write);
            problem = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = e.Message;
            return false;
        }
    }
}
