namespace Driver.Sim.Runner;

/// <summary>Runs one scenario step: prepared before the run, executed on its client's (or the control) thread.</summary>
internal interface IStepRunner
{
    /// <summary>The step's submissions.</summary>
    WorkloadTracker Tracker { get; }

    /// <summary>The thread group: a client name, or null for the control thread.</summary>
    string? ThreadGroup { get; }

    /// <summary>Allocates and writes what the step needs (before the clock starts).</summary>
    void Prepare();

    /// <summary>Runs the step.</summary>
    void Execute();

    /// <summary>Checks the step's stores after the drain (fence statuses snapshotted).</summary>
    void Verify(StoreTally tally);

    /// <summary>Releases what the step holds (spinners), after verification.</summary>
    void Finish();
}
