namespace Driver.Reset.Capture;

/// <summary>
/// The real Intel device GpuSim's error states claim to be, so that tools which decode by PCI ID (IGT's
/// intel_error_decode) pick a decoder: a gen9 Skylake GT2 (0x1912). The MI decoder those tools use is the same for
/// every gen from 4 on; gen9 is the newest generation whose 64-bit-address MI forms GpuSim's 32-bit ones still
/// resemble, and see docs/observability.md for which instructions decode.
/// </summary>
public static class GpuIdentity
{
    /// <summary>The PCI device id: Skylake GT2 desktop.</summary>
    public const ushort PciId = 0x1912;

    /// <summary>The PCI revision.</summary>
    public const byte PciRevision = 0x06;

    /// <summary>The graphics version the ecode starts with.</summary>
    public const int GraphicsVersion = 9;

    /// <summary>The platform name i915 prints.</summary>
    public const string Platform = "SKYLAKE";
}
