using System.Diagnostics;
using Driver.Engines.Vulkan;

namespace Driver.Sim.Vulkan;

/// <summary>
/// The Vulkan backend's smoke test: enumerates devices, opens one (validation layer on when installed), puts rcs0 and
/// bcs0 of a simulated GPU on it, runs the steps and collects the validation layer's counts. Never hangs: every wait
/// is bounded. Skips (exit 77) where there is no Vulkan loader or device.
/// </summary>
public static class VulkanSmoke
{
    /// <summary>Runs the smoke test.</summary>
    public static VulkanSmokeReport Run(VulkanSmokeOptions? options = null)
    {
        options ??= new VulkanSmokeOptions();
        var report = new VulkanSmokeReport();
        VulkanProbeResult probe = VulkanProbe.Probe();
        report.Devices = probe.Devices;
        if (!probe.Available)
        {
            report.SkipReason = probe.Reason;
            return report;
        }
        if (options.DeviceIndex is { } index && (index < 0 || index >= probe.Devices.Count))
        {
            // Which devices exist is a property of the machine, like having Vulkan at all: a skip, with the reason.
            report.SkipReason = NoSuchDevice("--vk-device", index, probe.Devices.Count);
            return report;
        }
        long t0 = Stopwatch.GetTimestamp();
        VulkanDevice device;
        try
        {
            device = VulkanDevice.Create(new VulkanDeviceOptions { DeviceIndex = options.DeviceIndex });
        }
        catch (Exception e) when (e is VulkanUnavailableException or VulkanException)
        {
            // Vulkan is here (the probe found a device): a bad --vk-device or a failing device is a failure, not a skip.
            report.Error = e.Message;
            return report;
        }
        using (device)
        {
            report.Device = device.Info;
            report.ValidationLayer = device.ValidationEnabled;
            using (var session = new VulkanSmokeSession(device, options))
            {
                try
                {
                    session.WaitReady();
                }
                catch (SmokeCheckException e)
                {
                    report.Error = e.Message;
                }
                report.SetupMilliseconds = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                report.WorkUnitsPerMicrosecond = session.Rcs.WorkIterationsPerMicrosecond;
                report.SpinPollsPerMicrosecond = session.Rcs.SpinIterationsPerMicrosecond;
                if (report.Error is null)
                {
                    foreach ((string? name, Func<string>? run) in session.Steps)
                    {
                        report.Steps.Add(RunStep(name, run));
                    }
                }
            }
            report.ValidationErrors = device.Validation.Errors;
            report.ValidationWarnings = device.Validation.Warnings;
            report.ValidationMessages = device.Validation.Messages.Take(10).ToArray();
        }
        return report;
    }

    /// <summary>"no such Vulkan device: --vk-device 5, and this machine has 1 (index 0)".</summary>
    public static string NoSuchDevice(string what, int index, int count) =>
        $"no such Vulkan device: {what} {index}, and this machine has {count} ({(count == 1 ? "index 0" : $"indices 0 to {count - 1}")})";

    private static VulkanSmokeStep RunStep(string name, Func<string> run)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            string detail = run();
            return new VulkanSmokeStep(name, true, Stopwatch.GetElapsedTime(start).TotalMilliseconds, detail);
        }
        catch (Exception e) when (e is SmokeCheckException or Driver.Core.Errors.DriverException or VulkanException or InvalidOperationException)
        {
            return new VulkanSmokeStep(name, false, Stopwatch.GetElapsedTime(start).TotalMilliseconds, e.Message);
        }
    }
}
