using Driver.Drm.I915;
using Driver.Drm.Server;
using Driver.Drm.Vgem;
using Driver.Testing.Devices;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// A real process (Native/vgem_client.c) under the shim against a server with the i915 driver on card0 and vgem on
/// card1 (minor 1, as gpusim igt-run sets it up): IGT's cork end to end — vgem discovered by its version name, its
/// object mapped through the arena, its write fence attached, exported as a dma-buf fd and imported on i915.
/// </summary>
public sealed class VgemShimEndToEndTests : IDisposable
{
    private readonly TestDevice _device = TestDevice.Fast();
    private readonly I915Driver _i915;
    private readonly VgemDriver _vgem;
    private readonly DrmServer _server;

    public VgemShimEndToEndTests()
    {
        var memoryMap = new ArenaGemMemoryMap();
        _i915 = new I915Driver(_device.Dev, new I915DriverOptions { MemoryMap = memoryMap });
        _vgem = new VgemDriver(_device.Dev.Gt.Memory, memoryMap);
        _server = new DrmServer(_i915, new DrmServerOptions
        {
            ArenaFd = _device.Dev.Gt.Memory.ArenaFd,
            MinorDrivers = new Dictionary<int, IDrmDriver> { [1] = _vgem },
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        _vgem.Dispose();
        _i915.Dispose();
        _device.Dispose();
    }

    [ShimFact]
    public void Igt_cork_through_the_shim_vgem_card1_prime_into_i915()
    {
        (int code, string output) = ShimClient.Other("vgem_client", _server.SocketPath, "cork");
        Assert.True(code == 0 && output.Contains("ok cork", StringComparison.Ordinal), $"exit {code}: {output}");
        Assert.Equal(1, _server.DmaBufsCreated);
        Poll.Until(() => _server.OpenFiles == 0, "every file released", () => $"{_server.OpenFiles} open", Bound.Long);
        // dma_buf_release: the client exited, so its dma-buf fd's last copy closed and the server's entry went.
        Poll.Until(() => _server.DmaBufsLive == 0, "the dma-buf fd released", () => $"{_server.DmaBufsLive} live", Bound.Long);
        // drm_gem_vm_close at the exit: the client's mapping of the vgem object no longer holds it.
        Poll.Until(() => _vgem.LiveMappings == 0, "the vgem mapping dropped", () => $"{_vgem.LiveMappings} live", Bound.Long);
    }
}
