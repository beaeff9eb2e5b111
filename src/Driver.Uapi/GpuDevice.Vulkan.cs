using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Engines.Vulkan;
using Driver.Reset.Events;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>Guards <see cref="_vulkanEngines"/> between attach, detach, lookup and dispose; a leaf lock.</summary>
    private readonly DriverMutex _vulkanLock = new("drm->vulkan_engines");
    private readonly Dictionary<EngineId, VulkanEngine> _vulkanEngines = new();

    /// <summary>
    /// Puts <paramref name="engine"/> on the Vulkan backend: a <see cref="VulkanEngine"/> on <paramref name="device"/>
    /// becomes the engine's default SubmitRequest (so the routing survives wedge and unwedge). Execbuf, in-fences,
    /// out-fences, reset stats and GPU memory work as for a simulated engine; hangs are found by the Vulkan engine's
    /// own per-request timeout (the heartbeat does not watch it) and accounted by the ban policy. The device owns the
    /// Vulkan engine (disposed with it, before the GT); the caller owns <paramref name="device"/> and disposes it
    /// after this device. Attaching an engine twice throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public VulkanEngine AttachVulkan(EngineId engine, VulkanDevice device, VulkanEngineOptions? options = null)
    {
        options ??= new VulkanEngineOptions();
        Action<Request, string>? caller = options.OnGuilty;
        options = options with { OnGuilty = (rq, reason) => OnVulkanHang(engine, rq, reason, caller) };
        using (_vulkanLock.Acquire())
        {
            if (_vulkanEngines.ContainsKey(engine))
            {
                throw new InvalidOperationException($"{engine.Name()} is already on the Vulkan backend");
            }

            var vk = new VulkanEngine(device, Gt.Ggtt, $"vk:{engine.Name()}", options, _log);
            _vulkanEngines.Add(engine, vk);
            Gt[engine].UseBackend(vk);
            return vk;
        }
    }

    /// <summary>Puts <paramref name="engine"/> back on the simulated command streamer; its Vulkan engine is disposed (queued work -EIO).</summary>
    public bool DetachVulkan(EngineId engine)
    {
        VulkanEngine? vk;
        using (_vulkanLock.Acquire())
        {
            if (!_vulkanEngines.Remove(engine, out vk))
            {
                return false;
            }
        }

        Gt[engine].UseBackend(null);
        vk.Dispose();
        return true;
    }

    /// <summary>The Vulkan engine serving <paramref name="engine"/>, or null when it is simulated.</summary>
    public VulkanEngine? VulkanEngineOf(EngineId engine)
    {
        using (_vulkanLock.Acquire())
        {
            return _vulkanEngines.GetValueOrDefault(engine);
        }
    }

    /// <summary>A Vulkan hang: ban accounting and one Error event, as the heartbeat's hang report gives a simulated one.</summary>
    private void OnVulkanHang(EngineId engine, Request rq, string reason, Action<Request, string>? caller)
    {
        if (Reset.Bans.MarkGuilty(rq.Context, engine))
        {
            _log.Information("context {Context} banned after a Vulkan hang on {Engine}", rq.Context, engine.Name());
        }

        Reset.Events.Raise(GpuEventKind.Error, engine.Mask(), $"vk:{engine.Name()} {rq}: {reason}");
        caller?.Invoke(rq, reason);
    }

    private void DisposeVulkanEngines()
    {
        VulkanEngine[] engines;
        using (_vulkanLock.Acquire())
        {
            engines = _vulkanEngines.Values.ToArray();
            _vulkanEngines.Clear();
        }
        foreach (VulkanEngine vk in engines)
        {
            vk.Dispose();
        }
    }
}
