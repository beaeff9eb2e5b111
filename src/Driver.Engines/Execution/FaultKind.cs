namespace Driver.Engines.Execution;

/// <summary>Why the command streamer stopped on an error.</summary>
public enum FaultKind
{
    /// <summary>An opcode outside the instruction set, or a known opcode with a wrong length field.</summary>
    InvalidInstruction,
    /// <summary>A fetch, store or poll at an address with no GGTT entry (or misaligned).</summary>
    PageFault,
}
