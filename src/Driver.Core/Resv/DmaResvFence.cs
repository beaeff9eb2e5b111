using Driver.Core.Fences;

namespace Driver.Core.Resv;

/// <summary>One entry of a reservation object: a fence and how it uses the buffer.</summary>
public readonly record struct DmaResvFence(DmaFence Fence, DmaResvUsage Usage);
