namespace Driver.Engines.Gt;

/// <summary>How the submit_request swap of a wedge is made safe against concurrent submitters.</summary>
public enum WedgeStrategy
{
    /// <summary>Submitters run the handler inside an epoch (RCU-like) read section; the wedge waits a grace period.</summary>
    Epoch,
    /// <summary>Every submitter and engine thread parks at a safe point while the handlers are swapped (stop_machine).</summary>
    StopMachine,
}
