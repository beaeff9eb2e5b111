using Driver.Engines.Vulkan;

namespace Driver.Sim.Vulkan;

/// <summary>Everything <c>gpusim vulkan-smoke</c> found and did; printed as text and written as JSON.</summary>
public sealed class VulkanSmokeReport
{
    /// <summary>Exit code for a run that could not happen: no Vulkan loader or device (automake's "skipped").</summary>
    public const int SkipExitCode = 77;

    /// <summary>When the run started (UTC).</summary>
    public DateTimeOffset Date { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Every physical device enumerated.</summary>
    public IReadOnlyList<VulkanPhysicalDeviceInfo> Devices { get; set; } = [];

    /// <summary>The device the steps ran on, or null.</summary>
    public VulkanPhysicalDeviceInfo? Device { get; set; }

    /// <summary>Why the run was skipped (exit 77), or null.</summary>
    public string? SkipReason { get; set; }

    /// <summary>Why the run could not start although Vulkan is present (a bad --vk-device, a failing device), or null.</summary>
    public string? Error { get; set; }

    /// <summary>Whether VK_LAYER_KHRONOS_validation was active.</summary>
    public bool ValidationLayer { get; set; }

    /// <summary>Validation errors reported over the whole run (must be 0).</summary>
    public int ValidationErrors { get; set; }

    /// <summary>Validation warnings reported over the whole run.</summary>
    public int ValidationWarnings { get; set; }

    /// <summary>The first validation messages, if any.</summary>
    public IReadOnlyList<string> ValidationMessages { get; set; } = [];

    /// <summary>Opening the device and setting the engines up (instance, kernels, calibration), in milliseconds.</summary>
    public double SetupMilliseconds { get; set; }

    /// <summary>Calibrated busy-kernel speed (units of eight multiply-adds per microsecond).</summary>
    public double WorkUnitsPerMicrosecond { get; set; }

    /// <summary>Calibrated polling speed (spin-kernel polls per microsecond).</summary>
    public double SpinPollsPerMicrosecond { get; set; }

    /// <summary>The steps, in order.</summary>
    public List<VulkanSmokeStep> Steps { get; } = new();

    /// <summary>Every step passed and the validation layer reported no error.</summary>
    public bool Passed => SkipReason is null && Error is null && Steps.Count > 0 && Steps.All(s => s.Passed) && ValidationErrors == 0;

    /// <summary>0 all passed, 1 a step failed (or validation errors, or no run), 77 skipped.</summary>
    public int ExitCode => SkipReason is not null ? SkipExitCode : Passed ? 0 : 1;
}
