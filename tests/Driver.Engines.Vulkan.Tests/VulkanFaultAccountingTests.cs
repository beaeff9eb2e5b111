using Driver.Core.Errors;
using Driver.Core.Requests;

using Driver.Testing.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

/// <summary>
/// A batch the command streamer would fault on is a hang for i915's accounting, whichever engine runs it: the CS
/// error interrupt resets the engine and __i915_request_reset(rq, guilty = true) marks the request and its context
/// guilty (what I915_GET_RESET_STATS counts as batch_active, and what bans a context that keeps doing it). A batch
/// the Vulkan translator merely cannot express (-EINVAL) is not the client's fault on the GPU.
/// </summary>
[Collection(VulkanCollection.Name)]
public class VulkanFaultAccountingTests(VulkanDeviceFixture fixture)
{
    /// <summary>
    /// Same batch as Driver.Uapi.Tests' InvalidInstructionTests.FaultIsReportedAsGuiltyInResetStats, on the Vulkan
    /// backend: the request fails with -EIO and is guilty; its context's guilty count goes up by one.
    /// </summary>
    [VulkanFact]
    public void BatchTheCommandStreamerFaultsOn_IsGuiltyLikeOnASimulatedEngine()
    {
        using var rig = new VulkanTestRig(fixture.Device);

        Request faulting = rig.Submit(rig.Batch(0xDEAD_BEEF));

        Assert.True(faulting.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, faulting.Status);
        Assert.True(faulting.Guilty, "a CS fault is a guilty hang in i915 (intel_engine_reset of the faulting request)");
        Assert.Equal(1, rig.Client.DefaultContext.GuiltyCount);
    }
}
