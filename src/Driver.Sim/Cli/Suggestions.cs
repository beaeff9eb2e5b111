namespace Driver.Sim.Cli;

/// <summary>"Did you mean" for mistyped options, commands and names: the candidates closest by edit distance.</summary>
public static class Suggestions
{
    /// <summary>
    /// The candidates nearest to <paramref name="typed"/> (best first), or none when nothing is close: at most a third
    /// of the typed length in edits (at least one), so "--sed" finds "--seed" but "--x" does not find "--json".
    /// </summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> candidates)
    {
        int bound = Math.Max(1, typed.TrimStart('-').Length / 3);
        var scored = candidates.Distinct()
            .Select(c => (Candidate: c, Distance: Distance(typed, c)))
            .Where(s => s.Distance <= bound || (s.Candidate.StartsWith(typed, StringComparison.Ordinal) && typed.TrimStart('-').Length >= 3))
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        int best = scored.Min(s => s.Distance);
        // Only the best ones: three equally near suggestions help, a list of everything within reach does not.
        return scored.Where(s => s.Distance == best || s.Distance <= 1).OrderBy(s => s.Distance).ThenBy(s => s.Candidate, StringComparer.Ordinal)
            .Select(s => s.Candidate).Take(3).ToArray();
    }

    /// <summary>" (did you mean '--seed'?)", or "" when nothing is close.</summary>
    public static string DidYouMean(string typed, IEnumerable<string> candidates)
    {
        IReadOnlyList<string> closest = Closest(typed, candidates);
        return closest.Count == 0 ? "" : $" (did you mean {string.Join(" or ", closest.Select(c => $"'{c}'"))}?)";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1.</summary>
    public static int Distance(string a, string b)
    {
        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
