using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Driver.Sim.Cli;

/// <summary>
/// Reports System.CommandLine's parse errors in gpusim's words: the option and the bad value named, no .NET type
/// names, "did you mean" for a mistyped option or command, and the help of the subcommand that was being used.
/// System.CommandLine's messages are matched as it writes them in English (the tool runs with invariant
/// globalization, so they are never localised); one it does not know is printed as it is, type names scrubbed.
/// </summary>
internal static partial class ParseErrors
{
    /// <summary>Prints every error of <paramref name="result"/> and the help pointer; returns <see cref="ExitCodes.Usage"/>.</summary>
    public static int Report(ParseResult result, TextWriter stderr)
    {
        var messages = new List<string>();
        bool unknownToken = result.Errors.Any(e => Unrecognized().IsMatch(e.Message));
        string? previousUnknownOption = null;
        foreach (ParseError error in result.Errors)
        {
            Match unrecognized = Unrecognized().Match(error.Message);
            if (unrecognized.Success)
            {
                string token = unrecognized.Groups["token"].Value;
                // The value after a mistyped option is unmatched too; "unexpected argument '5'" after
                // "unknown option '--preempt-timout-ms'" would only be noise.
                if (previousUnknownOption is not null && !token.StartsWith('-'))
                {
                    previousUnknownOption = null;
                    continue;
                }
                previousUnknownOption = token.StartsWith('-') ? token : null;
                messages.Add(UnknownToken(token, CommandOf(error, result)));
                continue;
            }
            previousUnknownOption = null;
            // "Required command was not provided" beside an unknown command says the same thing twice.
            if (error.Message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            {
                if (!unknownToken)
                {
                    Command command = CommandOf(error, result);
                    messages.Add($"no command given; one of: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}");
                }
                continue;
            }
            messages.Add(Translate(error));
        }
        foreach (string message in messages.Distinct())
        {
            CliMessages.Error(stderr, message);
        }

        stderr.WriteLine(CliMessages.HelpHint(CommandPath(result.CommandResult)));
        return ExitCodes.Usage;
    }

    /// <summary>"info", "igt": the subcommand path of <paramref name="command"/> without the root; "" for the root.</summary>
    public static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is not null; r = r.Parent)
        {
            if (r is CommandResult c && c.Parent is not null)
            {
                names.Insert(0, c.Command.Name);
            }
        }
        return string.Join(' ', names);
    }

    private static Command CommandOf(ParseError error, ParseResult result) =>
        (error.SymbolResult as CommandResult)?.Command ?? result.CommandResult.Command;

    private static string UnknownToken(string token, Command command)
    {
        if (token.StartsWith('-'))
        {
            // An option's value may be glued on (--seed=5): suggest for the name only.
            string name = token.Split('=', 2)[0];
            IEnumerable<string> options = command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name));
            return $"unknown option '{token}'{Suggestions.DidYouMean(name, options)}";
        }
        if (command.Subcommands.Count > 0)
        {
            IEnumerable<string> commands = command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
            return $"unknown command '{token}'{Suggestions.DidYouMean(token, commands)}";
        }
        return $"unexpected argument '{token}'";
    }

    private static string Translate(ParseError error)
    {
        string m = error.Message;
        Match match;
        if ((match = CannotParse().Match(m)).Success)
        {
            return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {Describe(match.Groups["type"].Value)}";
        }

        if ((match = NotOneOf().Match(m)).Success)
        {
            string value = match.Groups["value"].Value;
            string[] allowed = Quoted().Matches(match.Groups["list"].Value).Select(q => q.Groups[1].Value).ToArray();
            string option = error.SymbolResult switch
            {
                OptionResult o => o.Option.Name,
                ArgumentResult { Parent: OptionResult o } => o.Option.Name,
                ArgumentResult a => a.Argument.Name,
                _ => "value",
            };
            return $"{option}: '{value}' is not one of {string.Join(", ", allowed)}{Suggestions.DidYouMean(value, allowed)}";
        }

        if ((match = MissingValue().Match(m)).Success)
        {
            return $"{match.Groups["option"].Value} needs a value";
        }

        return ScrubTypeNames(m.TrimEnd('.'));
    }

    /// <summary>What a value of a .NET type is, in words ("a whole number" for System.Int32).</summary>
    private static string Describe(string type)
    {
        string inner = type.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']');
        return inner switch
        {
            "System.Int32" => "a whole number (expected -2147483648 to 2147483647)",
            "System.Int64" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            _ => "a valid value",
        };
    }

    /// <summary>A message that still names a .NET type gets words instead.</summary>
    private static string ScrubTypeNames(string message) =>
        TypeName().Replace(message, m => Describe(m.Value).Split(" (", 2)[0]);

    [GeneratedRegex("^Unrecognized command or argument '(?<token>.*)'\\.?$", RegexOptions.Singleline)]
    private static partial Regex Unrecognized();

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex("^Argument '(?<value>.*)' not recognized\\. Must be one of:(?<list>.*)$", RegexOptions.Singleline)]
    private static partial Regex NotOneOf();

    [GeneratedRegex("^Required argument missing for option: '(?<option>[^']*)'")]
    private static partial Regex MissingValue();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"System\.(Nullable`1\[)?System\.\w+\]?|System\.\w+")]
    private static partial Regex TypeName();
}
