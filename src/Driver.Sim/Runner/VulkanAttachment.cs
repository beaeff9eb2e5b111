using Driver.Core.Hw;
using Driver.Engines.Vulkan;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Runner;

/// <summary>
/// Puts the scenario's <c>"backend": "vulkan"</c> engines on a Vulkan device for the run. Declare it before the
/// <see cref="GpuDevice"/> so it is disposed after it: the Vulkan engines must stop before their device goes.
/// </summary>
internal sealed class VulkanAttachment : IDisposable
{
    private VulkanDevice? _device;

    /// <summary>The Vulkan device in use, or null when every engine is simulated.</summary>
    public VulkanDevice? Device => _device;

    /// <summary>
    /// Attaches the Vulkan engines of <paramref name="spec"/> to <paramref name="gpu"/>. Throws
    /// <see cref="VulkanUnavailableException"/> when the scenario needs Vulkan and none is usable here.
    /// </summary>
    public void Attach(GpuDevice gpu, DeviceSpec? spec, ILogger log)
    {
        (EngineId Id, EngineSpec Spec)[] engines = (spec?.Engines ?? [])
            .Where(e => e.Value.Backend == EngineBackendName.Vulkan)
            .Select(e => (Id: EngineIds.TryParse(e.Key, out EngineId id) ? id : throw new InvalidOperationException(e.Key), Spec: e.Value))
            .ToArray();
        if (engines.Length == 0)
        {
            return;
        }

        VulkanProbeResult probe = VulkanProbe.Probe();
        if (!probe.Available)
        {
            throw new VulkanUnavailableException(probe.Reason);
        }

        if (spec!.VkDevice is { } index && index >= probe.Devices.Count)
        {
            // The scenario is valid (the index is in range for a scenario); this machine lacks the device: a skip,
            // named by the scenario's field rather than the vulkan-smoke flag the backend's own message names.
            throw new VulkanUnavailableException(Vulkan.VulkanSmoke.NoSuchDevice("$.device.vkDevice is", index, probe.Devices.Count));
        }
        try
        {
            _device = VulkanDevice.Create(new VulkanDeviceOptions { DeviceIndex = spec.VkDevice }, log);
        }
        catch (Engines.Vulkan.VulkanUnavailableException e)
        {
            throw new VulkanUnavailableException(e.Message);
        }
        foreach ((EngineId id, EngineSpec? engineSpec) in engines)
        {
            var options = new VulkanEngineOptions { RequestTimeout = TimeSpan.FromMilliseconds(engineSpec.VkTimeoutMs ?? 500) };
            gpu.AttachVulkan(id, _device, options);
            log.Information("{Engine} runs on Vulkan device {Device}", id.Name(), _device.Info.Name);
        }
    }

    /// <summary>Disposes the Vulkan device (after the GPU device that used it).</summary>
    public void Dispose() => _device?.Dispose();
}
