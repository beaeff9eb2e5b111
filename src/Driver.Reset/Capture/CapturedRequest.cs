namespace Driver.Reset.Capture;

/// <summary>A request as the error state records it.</summary>
public sealed record CapturedRequest(string Context, uint Seqno, uint BatchAddress, int Status, bool Started);
