namespace Driver.Engines.Execution;

/// <summary>How a batch run by the command streamer ended.</summary>
public enum ExecStatus
{
    /// <summary>BATCH_BUFFER_END or a conditional end was reached.</summary>
    Completed,
    /// <summary>The command streamer faulted; see the engine's last fault.</summary>
    Faulted,
    /// <summary>
    /// Taken off the engine at an arbitration point for another request (a higher priority, or an expired
    /// timeslice): the batch resumes at <c>Request.ResumeAddress</c> when it runs again.
    /// </summary>
    Preempted,
    /// <summary>The engine was reset while parked in this batch: the reset decided the request's fate.</summary>
    Aborted,
}
