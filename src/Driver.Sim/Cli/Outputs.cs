namespace Driver.Sim.Cli;

/// <summary>
/// The outputs a command was asked to write, checked together before any work: each must be writable, no two may
/// name the same file (one would silently overwrite the other), and at most one may be standard output
/// (<c>-</c>). When one is, the command's human-readable report goes to stderr so stdout holds only that output.
/// </summary>
internal sealed class Outputs
{
    private readonly List<(string Option, string What, string Path, Kind Kind)> _outputs = new();

    private enum Kind
    {
        File,
        StreamedFile,
        Directory,
    }

    /// <summary>
    /// A file written at the end (<c>--json</c>, <c>--trace</c>…); <c>-</c> allowed. <paramref name="what"/> names it
    /// in messages ("results").
    /// </summary>
    public Outputs File(string option, string what, string? path)
    {
        if (path is not null)
        {
            _outputs.Add((option, what, path, Kind.File));
        }

        return this;
    }

    /// <summary>A file written while the command runs (<c>--log</c>): stdout (<c>-</c>) is not allowed.</summary>
    public Outputs StreamedFile(string option, string what, string? path)
    {
        if (path is not null)
        {
            _outputs.Add((option, what, path, Kind.StreamedFile));
        }

        return this;
    }

    /// <summary>A directory written into (<c>igt --results</c>).</summary>
    public Outputs Directory(string option, string what, string? path)
    {
        if (path is not null)
        {
            _outputs.Add((option, what, path, Kind.Directory));
        }

        return this;
    }

    /// <summary>Whether one of the outputs is standard output.</summary>
    public bool UsesStdout => _outputs.Any(o => o.Path == OutputFile.Stdout && o.Kind == Kind.File);

    /// <summary>
    /// Checks every output; on the first problem writes it to <paramref name="stderr"/> and returns false (the
    /// command exits with <see cref="ExitCodes.Usage"/>).
    /// </summary>
    public bool Check(TextWriter stderr)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string option, string what, string path, Kind kind) in _outputs)
        {
            string? problem = path == OutputFile.Stdout
                ? kind == Kind.File ? null : "'-' (standard output) is not possible here"
                : kind == Kind.Directory ? OutputFile.DirectoryProblem(path) : OutputFile.Problem(path);
            if (problem is not null)
            {
                CliMessages.Error(stderr, $"cannot write the {what} ({option}) to '{path}': {problem}");
                return false;
            }
            string key = path == OutputFile.Stdout ? path : Path.GetFullPath(path);
            if (seen.TryGetValue(key, out string? other))
            {
                CliMessages.Error(stderr, $"{other} and {option} both name '{path}': give each output its own file");
                return false;
            }
            seen[key] = option;
        }
        return true;
    }
}
