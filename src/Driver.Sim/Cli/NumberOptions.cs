using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Driver.Sim.Cli;

/// <summary>
/// Numeric options that check their own range while the command line is parsed, so a bad value is a parse error
/// naming the option, the value and what would do ("--heartbeat-ms: 99999999999 is out of range (0 to 600000)")
/// instead of a .NET type name, and no validator ever reads a value that failed to parse.
/// </summary>
public static class NumberOptions
{
    /// <summary>A whole-number option accepting <paramref name="min"/> to <paramref name="max"/>; null when not given.</summary>
    public static Option<int?> Int(string name, int min, int max, string description, string helpName = "N") => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r => ParseInt(r, name, min, max),
    };

    /// <summary>A number option (decimals allowed) in (<paramref name="min"/>, <paramref name="max"/>]: more than min.</summary>
    public static Option<double?> Positive(string name, double min, double max, string description, string helpName) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r => ParsePositive(r, name, min, max),
    };

    private static int? ParseInt(ArgumentResult r, string name, int min, int max)
    {
        if (r.Tokens.Count == 0)
        {
            return null;
        }

        string text = r.Tokens[0].Value;
        string range = $"{min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        string digits = text.StartsWith('-') || text.StartsWith('+') ? text[1..] : text;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            r.AddError($"{name}: '{text}' is not a whole number (expected {range})");
            return null;
        }
        // Parsed wide so that a value past int's range is reported as out of range, like any other.
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            r.AddError($"{name}: {text} is out of range (expected {range})");
            return null;
        }
        return (int)value;
    }

    private static double? ParsePositive(ArgumentResult r, string name, double min, double max)
    {
        if (r.Tokens.Count == 0)
        {
            return null;
        }

        string text = r.Tokens[0].Value;
        string range = $"more than {min.ToString(CultureInfo.InvariantCulture)} and at most {max.ToString(CultureInfo.InvariantCulture)}";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            r.AddError($"{name}: '{text}' is not a number (expected {range})");
            return null;
        }
        if (value <= min || value > max)
        {
            r.AddError($"{name}: {text} is out of range (expected {range})");
            return null;
        }
        return value;
    }
}
