using System.Runtime.InteropServices;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan;

/// <summary>
/// Finds out, once per process and within a bounded time, whether Vulkan can be used here: the loader library is
/// present, an instance can be created, and a device with a compute queue exists. Used by the smoke command (exit 77)
/// and by the tests (skip) so neither ever hangs or crashes on a machine without Vulkan.
/// </summary>
public static class VulkanProbe
{
    /// <summary>Setting this environment variable to 1 makes the probe report Vulkan unavailable (to test skips).</summary>
    public const string DisableVariable = "GPUSIM_NO_VULKAN";

    /// <summary>Default bound on the probe.</summary>
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(15);

    private static readonly Lazy<VulkanProbeResult> s_cached = new(() => ProbeUncached(DefaultBound), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The cached probe result (the first call probes, bounded by <see cref="DefaultBound"/>).</summary>
    public static VulkanProbeResult Probe() => s_cached.Value;

    /// <summary>Whether the Vulkan loader library can be loaded; <paramref name="reason"/> says which one, or why not.</summary>
    public static bool LoaderPresent(out string reason)
    {
        if (Environment.GetEnvironmentVariable(DisableVariable) == "1")
        {
            reason = $"Vulkan disabled by {DisableVariable}=1";
            return false;
        }
        foreach (string name in LoaderNames())
        {
            if (!NativeLibrary.TryLoad(name, out nint handle))
            {
                continue;
            }

            NativeLibrary.Free(handle);
            reason = name;
            return true;
        }
        reason = $"Vulkan loader not found ({string.Join(", ", LoaderNames())}); install libvulkan1 and mesa-vulkan-drivers "
            + "(scripts/install-vulkan-deps.sh)";
        return false;
    }

    /// <summary>Probes now (no cache), on a separate thread, giving up after <paramref name="bound"/>.</summary>
    public static VulkanProbeResult ProbeUncached(TimeSpan bound)
    {
        if (!LoaderPresent(out string why))
        {
            return new VulkanProbeResult(false, why, []);
        }

        VulkanProbeResult? result = null;
        // A broken ICD can block inside vkCreateInstance: probe on a background thread and stop waiting at the bound.
        var thread = new Thread(() => result = Enumerate()) { IsBackground = true, Name = "vulkan-probe" };
        thread.Start();
        if (!thread.Join(bound))
        {
            return new VulkanProbeResult(false, $"Vulkan probe did not finish within {bound.TotalSeconds:0} s", []);
        }

        return result!;
    }

    private static VulkanProbeResult Enumerate()
    {
        try
        {
            using var instance = VulkanInstance.Create("gpusim-probe", validation: false);
            PhysicalDevice[] physical = instance.EnumeratePhysicalDevices();
            VulkanPhysicalDeviceInfo[] infos = physical.Select((pd, i) => instance.Describe(pd, i)).ToArray();
            if (infos.Length == 0)
            {
                return new VulkanProbeResult(false, "no Vulkan physical device (install mesa-vulkan-drivers for lavapipe)", infos);
            }

            if (!infos.Any(d => d.HasCompute))
            {
                return new VulkanProbeResult(false, "no Vulkan device has a compute queue", infos);
            }

            return new VulkanProbeResult(true, $"{infos.Length} device(s): {string.Join("; ", infos.Select(d => d.Name))}", infos);
        }
        catch (VulkanException e) when (e.Result == Silk.NET.Vulkan.Result.ErrorIncompatibleDriver)
        {
            return new VulkanProbeResult(false, $"no Vulkan driver installed ({e.Message}); install mesa-vulkan-drivers for lavapipe", []);
        }
        catch (Exception e)
        {
            return new VulkanProbeResult(false, $"Vulkan unusable: {e.Message}", []);
        }
    }

    private static string[] LoaderNames()
    {
        if (OperatingSystem.IsWindows())
        {
            return ["vulkan-1.dll"];
        }

        if (OperatingSystem.IsMacOS())
        {
            return ["libvulkan.1.dylib", "libvulkan.dylib", "libMoltenVK.dylib"];
        }

        return ["libvulkan.so.1", "libvulkan.so"];
    }
}
