namespace Driver.Reset.Capture;

/// <summary>One engine's part of an error state: where it was, what it ran, and the batch around its head.</summary>
public sealed record EngineErrorState(
    string Engine,
    uint Head,
    CapturedRequest? Active,
    uint BatchAddress,
    uint BatchDumpAddress,
    IReadOnlyList<uint> BatchDwords,
    string? Fault,
    IReadOnlyList<CapturedRequest> Queued);
