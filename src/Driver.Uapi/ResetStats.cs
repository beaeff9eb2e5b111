namespace Driver.Uapi;

/// <summary>GET_RESET_STATS result for one context.</summary>
public readonly record struct ResetStats(int ResetCount, int BatchActive, int BatchPending);
