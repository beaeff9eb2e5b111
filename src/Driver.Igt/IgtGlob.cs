using System.Text;
using System.Text.RegularExpressions;

namespace Driver.Igt;

/// <summary>
/// uwildmat expressions, as igt_core matches --run-subtest and --dynamic-subtest (lib/uwildmat): comma-separated
/// patterns, each optionally negated with a leading <c>!</c>, the last pattern that matches deciding; in a pattern
/// <c>*</c> is any run, <c>?</c> one character, <c>[...]</c> a character class (<c>[^...]</c> its complement, a
/// leading <c>]</c> a member, <c>a-z</c> a range) and <c>\</c> makes the next character literal.
/// </summary>
public static class IgtGlob
{
    /// <summary>Whether <paramref name="text"/> matches the expression <paramref name="globs"/>.</summary>
    public static bool IsMatch(string globs, string text) => IsMatch(globs, [text]);

    /// <summary>
    /// Whether the expression matches a test known by several names (binary@subtest and igt@binary@subtest): a
    /// pattern matches when it matches one of them, so that a negation excludes the test whichever name it spells.
    /// </summary>
    public static bool IsMatch(string globs, IReadOnlyList<string> names)
    {
        // uwildmat: a lone "*" matches everything, the empty expression only the empty text.
        if (globs == "*")
        {
            return true;
        }

        bool match = false;
        foreach (string pattern in Split(globs))
        {
            bool reverse = pattern.StartsWith('!');
            if (match == !reverse)
            {
                continue; // this pattern cannot change the result (match_expression's shortcut)
            }

            Regex regex = ToRegex(reverse ? pattern[1..] : pattern);
            if (names.Any(regex.IsMatch))
            {
                match = !reverse;
            }
        }
        return match;
    }

    /// <summary>The patterns of an expression: split at commas that are neither escaped nor inside a class.</summary>
    private static List<string> Split(string globs)
    {
        var patterns = new List<string>();
        int start = 0;
        bool escaped = false;
        for (int i = 0; i <= globs.Length; i++)
        {
            if (i == globs.Length)
            {
                patterns.Add(globs[start..]);
                break;
            }

            char c = globs[i];
            if (c == '[' && !escaped)
            {
                // Skip the class: a leading ']' is a member, the next ']' closes it.
                i++;
                if (i < globs.Length && globs[i] == ']')
                {
                    i++;
                }

                while (i < globs.Length && globs[i] != ']')
                {
                    i++;
                }

                if (i == globs.Length)
                {
                    i--; // unterminated: the rest is one pattern (which then matches nothing)
                }

                escaped = false;
                continue;
            }
            if (c == ',' && !escaped)
            {
                patterns.Add(globs[start..i]);
                start = i + 1;
            }
            escaped = c == '\\' && !escaped;
        }
        return patterns;
    }

    /// <summary>The anchored regular expression for one pattern; a malformed one (uwildmat's ABORT) matches nothing.</summary>
    public static Regex ToRegex(string glob)
    {
        const string Never = "(?!)";
        var sb = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            switch (c)
            {
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '\\':
                    if (++i == glob.Length)
                    {
                        return new Regex(Never, RegexOptions.CultureInvariant);
                    }

                    sb.Append(Regex.Escape(glob[i].ToString()));
                    break;
                case '[':
                    int end = AppendClass(sb, glob, i);
                    if (end < 0)
                    {
                        return new Regex(Never, RegexOptions.CultureInvariant);
                    }

                    i = end;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>Appends the class starting at <paramref name="open"/> ('['); returns the index of its ']', or -1 if unterminated.</summary>
    private static int AppendClass(StringBuilder sb, string glob, int open)
    {
        int i = open + 1;
        bool reversed = i < glob.Length && glob[i] == '^';
        if (reversed)
        {
            i++;
        }

        var members = new StringBuilder();
        bool first = true;
        for (; i < glob.Length && (first || glob[i] != ']'); i++, first = false)
        {
            char lo = glob[i];
            if (i + 2 < glob.Length && glob[i + 1] == '-' && glob[i + 2] != ']')
            {
                members.Append(ClassChar(lo)).Append('-').Append(ClassChar(glob[i + 2]));
                i += 2;
            }
            else
            {
                members.Append(ClassChar(lo));
            }
        }
        if (i >= glob.Length)
        {
            return -1;
        }

        sb.Append('[').Append(reversed ? "^" : "").Append(members).Append(']');
        return i;
    }

    private static string ClassChar(char c) => c is '\\' or ']' or '[' or '^' or '-' ? $"\\{c}" : c.ToString();
}
