namespace Driver.Engines.Vulkan;

/// <summary>
/// A batch the Vulkan backend cannot run: <see cref="Errno"/> is EIO where the simulated command streamer would fault
/// (bad instruction, unmapped address), EINVAL where the ISA is valid but has no translation (a store inside a spin
/// loop, a batch too large for the arena).
/// </summary>
public sealed class BatchTranslationException(int errno, uint address, string reason)
    : Exception($"0x{address:x8}: {reason}")
{
    /// <summary>Positive errno the request fails with (negated on its fence).</summary>
    public int Errno { get; } = errno;

    /// <summary>GGTT address of the offending instruction.</summary>
    public uint Address { get; } = address;

    /// <summary>What is wrong.</summary>
    public string Reason { get; } = reason;
}
