namespace Driver.Igt;

/// <summary>Where an assertion or requirement sits: function, source file (relative to the repository) and line.</summary>
public sealed record IgtLocation(string Function, string File, int Line)
{
    /// <summary>Builds a location from caller information, shortening the file to its path from "src/".</summary>
    public static IgtLocation From(string function, string file, int line)
    {
        string path = file.Replace('\\', '/');
        int src = path.LastIndexOf("/src/", StringComparison.Ordinal);
        path = src >= 0 ? path[(src + 1)..] : Path.GetFileName(path);
        return new IgtLocation(function, path, line);
    }
}
