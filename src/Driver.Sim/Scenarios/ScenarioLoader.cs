using System.Text.Json;
using Driver.Sim.Scenarios.Json;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Scenarios;

/// <summary>Reads scenario files: parse strictly, then validate; every failure is a <see cref="ScenarioException"/>.</summary>
public static class ScenarioLoader
{
    /// <summary>Manifest name of the embedded default scenario (scenarios/default.json).</summary>
    public const string DefaultResource = "Driver.Sim.Scenarios.default.json";

    /// <summary>How the embedded default scenario is named in messages.</summary>
    public const string DefaultSource = "<embedded default.json>";

    /// <summary>Loads and validates the scenario in <paramref name="path"/>.</summary>
    public static Scenario LoadFile(string path)
    {
        string json;
        // Said plainly: File.ReadAllText on a directory reports "Access to the path is denied".
        if (Directory.Exists(path))
        {
            throw new ScenarioException(path, null, "is a directory, not a scenario file");
        }

        if (!File.Exists(path))
        {
            throw new ScenarioException(path, null, "no such file");
        }

        try
        {
            json = ReadBounded(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new ScenarioException(path, null, "cannot read the scenario file: permission denied");
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException(path, null, $"cannot read the scenario file: {e.Message}");
        }
        return Parse(json, path);
    }

    /// <summary>
    /// The file's text, read no further than <see cref="MaxFileChars"/>: a device, an endless pipe or a huge file given
    /// by mistake is refused after that much, instead of filling memory.
    /// </summary>
    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var text = new System.Text.StringBuilder();
        char[] chunk = new char[64 * 1024];
        int n;
        while ((n = reader.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (text.Length + n > MaxFileChars)
            {
                throw new ScenarioException(path, null, $"is larger than {MaxFileChars >> 20} MiB: not a scenario file");
            }

            text.Append(chunk, 0, n);
        }

        return text.ToString();
    }

    /// <summary>The most characters a scenario file may hold (the largest shipped one is a few KiB).</summary>
    public const int MaxFileChars = 16 << 20;

    /// <summary>Loads the default scenario embedded in the executable.</summary>
    public static Scenario LoadDefault()
    {
        using Stream stream = typeof(ScenarioLoader).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new ScenarioException(DefaultSource, null, "the default scenario is not embedded in this build");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), DefaultSource);
    }

    /// <summary>Parses and validates scenario JSON; <paramref name="source"/> names it in messages.</summary>
    public static Scenario Parse(string json, string source)
    {
        if (JsonSyntax.Check(json) is { } syntax)
        {
            throw new ScenarioException(source, [syntax]);
        }

        Scenario? scenario;
        try
        {
            scenario = JsonSerializer.Deserialize<Scenario>(json, ScenarioJson.Options);
        }
        catch (JsonException e)
        {
            throw new ScenarioException(source, e.Path ?? "$", JsonErrorText.Describe(e), e.LineNumber + 1);
        }
        catch (NotSupportedException e)
        {
            // Thrown for an abstract type with no discriminator: a step without "type".
            (string? path, long? line) = JsonErrorText.Position(e.Message);
            throw new ScenarioException(source, path, JsonErrorText.Describe(e), line);
        }
        if (scenario is null)
        {
            throw new ScenarioException(source, "$", "the file holds null, not a scenario object");
        }

        IReadOnlyList<ScenarioError> errors = ScenarioValidator.Validate(scenario);
        if (errors.Count > 0)
        {
            throw new ScenarioException(source, errors);
        }

        return scenario;
    }
}
