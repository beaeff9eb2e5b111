namespace Driver.Reset.Capture;

/// <summary>
/// An object the hung request's execbuf marked EXEC_OBJECT_CAPTURE, as the error state records it (a "user"
/// i915_vma_coredump): where it was bound and its whole contents.
/// </summary>
/// <param name="Address">The GGTT address of its first byte.</param>
/// <param name="Dwords">Its contents.</param>
public sealed record CapturedObject(uint Address, IReadOnlyList<uint> Dwords);
