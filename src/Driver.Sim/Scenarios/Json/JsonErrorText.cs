using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Driver.Sim.Scenarios.Json;

/// <summary>
/// Turns System.Text.Json's exception messages (written for .NET developers: CLR type names, a path suffix) into
/// messages for scenario authors: "unknown field 'x'", "expected an integer", "expected one of: a, b".
/// </summary>
public static partial class JsonErrorText
{
    /// <summary>The step types, for messages.</summary>
    public const string StepTypes = "batches, hang, wedge, unwedge, reset, sleep";

    /// <summary>A friendly description of <paramref name="e"/> without the path and position (reported separately).</summary>
    public static string Describe(Exception e)
    {
        string m = StripPosition(e.Message);
        Match match;
        if ((match = UnmappedMember().Match(m)).Success)
        {
            return $"unknown field '{match.Groups["name"].Value}'";
        }

        if ((match = MissingRequired().Match(m)).Success)
        {
            return $"missing required field {match.Groups["names"].Value.Trim().TrimEnd('.')}";
        }

        if ((match = UnknownDiscriminator().Match(m)).Success)
        {
            return $"unknown step type '{match.Groups["id"].Value}' (expected one of: {StepTypes})";
        }

        if (m.Contains("must specify a type discriminator", StringComparison.Ordinal) || m.Contains("abstract types is not supported", StringComparison.Ordinal))
        {
            return $"a step is missing its \"type\" field (one of: {StepTypes})";
        }

        if ((match = NullNotAllowed().Match(m)).Success)
        {
            return $"'{match.Groups["name"].Value}' must not be null";
        }

        if ((match = CannotConvert().Match(m)).Success)
        {
            return $"wrong type or value: expected {Expected(match.Groups["type"].Value)}";
        }

        if (e.InnerException is JsonException reader)
        {
            return $"invalid JSON: {StripPosition(reader.Message)}";
        }

        return m;
    }

    /// <summary>
    /// The path and 1-based line a message names in its "Path: $.x | LineNumber: n" suffix (System.Text.Json writes one
    /// into NotSupportedException messages, which carry no Path property).
    /// </summary>
    public static (string? Path, long? Line) Position(string message)
    {
        Match match = PositionSuffix().Match(message);
        return match.Success ? (match.Groups["path"].Value, long.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture) + 1) : (null, null);
    }

    private static string StripPosition(string message)
    {
        int i = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (i < 0)
        {
            i = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        return (i >= 0 ? message[..i] : message).Trim();
    }

    /// <summary>Describes a CLR type name the way a scenario author thinks of it.</summary>
    private static string Expected(string clrType)
    {
        if (clrType.Contains("System.Int32", StringComparison.Ordinal) || clrType.Contains("System.Int64", StringComparison.Ordinal))
        {
            return "an integer";
        }

        if (clrType.Contains("System.Boolean", StringComparison.Ordinal))
        {
            return "true or false";
        }

        // Any dictionary (IReadOnlyDictionary or Dictionary, as device.engines is): found by fuzzing, the concrete
        // Dictionary`2[...] was printed as it was.
        if (clrType.Contains("Dictionary`2", StringComparison.Ordinal))
        {
            return "an object";
        }

        if (clrType.Contains("IReadOnlyList", StringComparison.Ordinal))
        {
            return "an array";
        }

        if (clrType == "System.String")
        {
            return "a string";
        }

        string name = clrType.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']');
        Type? type = typeof(JsonErrorText).Assembly.GetType(name);
        if (type is { IsEnum: true })
        {
            IEnumerable<string> names = type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name);
            return "one of: " + string.Join(", ", names.Select(n => $"\"{n}\""));
        }
        // Never a CLR type name in a message for scenario authors.
        return type is not null ? "an object" : "a value of another type";
    }

    [GeneratedRegex(@"Path: (?<path>\S+) \| LineNumber: (?<line>\d+)")]
    private static partial Regex PositionSuffix();

    [GeneratedRegex("The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex("missing required properties(,)? including: (?<names>.*)$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex("unrecognized type discriminator id '(?<id>[^']*)'")]
    private static partial Regex UnknownDiscriminator();

    [GeneratedRegex("The property or field '(?<name>[^']*)' .*(doesn't|does not) allow (setting|getting) null")]
    private static partial Regex NullNotAllowed();

    [GeneratedRegex("The JSON value could not be converted to (?<type>.+?)\\.?$")]
    private static partial Regex CannotConvert();
}
