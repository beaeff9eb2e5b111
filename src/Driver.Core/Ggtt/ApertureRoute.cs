namespace Driver.Core.Ggtt;

/// <summary>How one CPU access through the GGTT aperture was routed (decided at the moment of the access).</summary>
public enum ApertureRoute
{
    /// <summary>No VALID fence register covered the address: the access went to the GGTT address as is.</summary>
    Linear,

    /// <summary>A VALID fence register covered the address: the access was detiled.</summary>
    Detiled,

    /// <summary>The (possibly detiled) GGTT address had no PTE: the access hit the scratch page (reads 0, writes lost).</summary>
    Scratch,
}
