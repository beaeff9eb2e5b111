namespace Driver.Core.Locking;

/// <summary>Report de-duplication and publication.</summary>
public sealed partial class LockValidator
{
    // Open expect scopes and the reports they absorbed; both under _graphLock.
    private readonly List<ExpectedReportScope> _expectScopes = [];
    private readonly List<LockdepReport> _expectedHistory = [];

    /// <summary>Reports absorbed by expect scopes so far (never in <see cref="Reports"/>), oldest first.</summary>
    public IReadOnlyList<LockdepReport> ExpectedHistory
    {
        get
        {
            lock (_graphLock)
            {
                return _expectedHistory.ToArray();
            }
        }
    }

    /// <summary>
    /// Opens a scope in which new reports that <paramref name="match"/> accepts are expected: kept by the scope, not
    /// added to <see cref="Reports"/>, <see cref="ReportAdded"/> not raised. For the runs that produce a known splat
    /// on purpose on the default validator (the 2018 stop_machine chain, the mixed reset-locking rules); anything
    /// else they report still counts. The predicate runs under the validator's lock: keep it a pure test of the
    /// report.
    /// </summary>
    public ExpectedReportScope ExpectReports(Func<LockdepReport, bool> match, string why)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentException.ThrowIfNullOrEmpty(why);
        var scope = new ExpectedReportScope(this, match, why);
        lock (_graphLock)
        {
            _expectScopes.Add(scope);
        }

        return scope;
    }

    /// <summary>Whether <paramref name="report"/> is a circular dependency through every class of <paramref name="classes"/>.</summary>
    public static bool IsCycleThrough(LockdepReport report, params string[] classes)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(classes);
        return report.Kind == LockdepReportKind.CircularDependency
            && classes.All(c => report.Chain.Any(link => link == c || link.StartsWith(c + "/", StringComparison.Ordinal)));
    }

    internal void CloseExpectScope(ExpectedReportScope scope)
    {
        lock (_graphLock)
        {
            _expectScopes.Remove(scope);
        }
    }

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
        foreach (ExpectedReportScope scope in _expectScopes)
        {
            if (scope.Match(report))
            {
                scope.Add(report);
                _expectedHistory.Add(report);
                return;
            }
        }

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
