namespace Driver.Core.Locking;

/// <summary>
/// A run that produces a lockdep report on purpose, on a validator that must otherwise stay silent (the suite's
/// default validator, which CI requires at zero reports): while the scope is open, every new report its predicate
/// matches is kept here instead of the validator's report list, and <see cref="LockValidator.ReportAdded"/> is not
/// raised for it. Made by <see cref="LockValidator.ExpectReports"/>; Dispose closes it.
/// </summary>
/// <remarks>
/// Lockdep reports a dependency cycle once per boot (here: once per validator): a second run of the same splat in
/// the same process adds no new dependency and so reports nothing. <see cref="Known"/> therefore also lists the
/// matching reports earlier scopes of this validator absorbed, so a test can assert "the validator knows this
/// cycle" whichever test of the process met it first.
/// </remarks>
public sealed class ExpectedReportScope : IDisposable
{
    private readonly LockValidator _validator;
    private readonly List<LockdepReport> _reports = [];

    internal ExpectedReportScope(LockValidator validator, Func<LockdepReport, bool> match, string why)
    {
        _validator = validator;
        Match = match;
        Why = why;
    }

    /// <summary>Why the run produces the report (for diagnostics).</summary>
    public string Why { get; }

    /// <summary>Reports this scope absorbed while open, oldest first.</summary>
    public IReadOnlyList<LockdepReport> Reports
    {
        get
        {
            lock (_reports)
            {
                return _reports.ToArray();
            }
        }
    }

    /// <summary>
    /// Every report of the validator's process history that this scope's predicate matches and some scope absorbed
    /// (this one included): the cycle is known even when an earlier test met it first.
    /// </summary>
    public IReadOnlyList<LockdepReport> Known => _validator.ExpectedHistory.Where(Match).ToArray();

    internal Func<LockdepReport, bool> Match { get; }

    /// <summary>Closes the scope: later matching reports are ordinary reports again.</summary>
    public void Dispose() => _validator.CloseExpectScope(this);

    internal void Add(LockdepReport report)
    {
        lock (_reports)
        {
            _reports.Add(report);
        }
    }
}
