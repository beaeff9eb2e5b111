namespace Driver.Core.Locking;

/// <summary>Report de-duplication and publication.</summary>
public sealed partial class LockValidator
{
    /// <summary>
    /// Adds a report unless one of the same kind over the same class sequence exists (cycles compared up to
    /// rotation). The text is formatted only for a new report. Caller holds <see cref="_graphLock"/>.
    /// </summary>
    private void TryAddReport(
        LockdepReportKind kind, string title, IReadOnlyList<string> chain, string thread, Func<string> text, ref List<LockdepReport>? added)
    {
        IReadOnlyList<string> keyChain = kind == LockdepReportKind.CircularDependency ? CanonicalRotation(chain) : chain;
        string key = ((int)kind).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\u001f" + string.Join('\u001f', keyChain);
        if (!_reportKeys.Add(key))
        {
            return;
        }

        var report = new LockdepReport(kind, title, text(), chain.ToArray(), thread);
        _reports.Add(report);
        (added ??= []).Add(report);
    }

    /// <summary>Raises <see cref="ReportAdded"/> for each new report. Called with no validator lock held.</summary>
    private void Raise(List<LockdepReport>? added)
    {
        if (added is null)
        {
            return;
        }

        foreach (LockdepReport report in added)
        {
            ReportAdded?.Invoke(report);
        }
    }

    /// <summary>The rotation of a cycle that is ordinally smallest, so A→B→C and B→C→A de-duplicate.</summary>
    private static IReadOnlyList<string> CanonicalRotation(IReadOnlyList<string> cycle)
    {
        int best = 0;
        for (int start = 1; start < cycle.Count; start++)
        {
            for (int i = 0; i < cycle.Count; i++)
            {
                int cmp = string.CompareOrdinal(cycle[(start + i) % cycle.Count], cycle[(best + i) % cycle.Count]);
                if (cmp != 0)
                {
                    if (cmp < 0)
                    {
                        best = start;
                    }

                    break;
                }
            }
        }

        string[] rotated = new string[cycle.Count];
        for (int i = 0; i < cycle.Count; i++)
        {
            rotated[i] = cycle[(best + i) % cycle.Count];
        }

        return rotated;
    }
}
