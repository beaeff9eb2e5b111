namespace Driver.Core.Hw;

/// <summary>The simulated engines, one of each class, numbered as i915 names them.</summary>
public enum EngineId
{
    /// <summary>Render command streamer.</summary>
    Rcs0 = 0,
    /// <summary>Blitter (copy) engine.</summary>
    Bcs0 = 1,
    /// <summary>Video decode engine.</summary>
    Vcs0 = 2,
    /// <summary>Video enhancement engine.</summary>
    Vecs0 = 3,
    /// <summary>Compute command streamer.</summary>
    Ccs0 = 4,
}
