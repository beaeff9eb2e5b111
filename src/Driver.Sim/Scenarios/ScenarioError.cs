namespace Driver.Sim.Scenarios;

/// <summary>One problem in a scenario file: the JSON path of the field (null for the file as a whole), what is wrong, and the line when known.</summary>
public sealed record ScenarioError(string? Path, string Message, long? Line = null)
{
    /// <summary>"file:line: $.path: message".</summary>
    public string Format(string source)
    {
        string where = Line is { } l ? $"{source}:{l}" : source;
        return Path is null ? $"{where}: {Message}" : $"{where}: {Path}: {Message}";
    }
}
