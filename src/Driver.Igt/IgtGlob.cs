using System.Text;
using System.Text.RegularExpressions;

namespace Driver.Igt;

/// <summary>fnmatch-style globs as IGT's --run-subtest takes them: <c>*</c> any run, <c>?</c> one character, comma-separated alternatives.</summary>
public static class IgtGlob
{
    /// <summary>Whether <paramref name="text"/> matches one of the comma-separated <paramref name="globs"/>.</summary>
    public static bool IsMatch(string globs, string text) =>
        globs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(g => ToRegex(g).IsMatch(text));

    /// <summary>The anchored regular expression for one glob.</summary>
    public static Regex ToRegex(string glob)
    {
        var sb = new StringBuilder("^");
        foreach (char c in glob)
        {
            sb.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
