using Driver.Testing.Vulkan;
using Silk.NET.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

[Collection(VulkanCollection.Name)]
public class VulkanDeviceTests(VulkanDeviceFixture fixture)
{
    private static VulkanPhysicalDeviceInfo Info(int index, string type, bool compute = true) =>
        new(index, $"dev{index}", "drv", "1.3.0", type, 0, 0, compute);

    [Fact]
    public void SelectionPrefersADiscreteGpuAndAcceptsACpuDevice()
    {
        Assert.Equal(1, VulkanDeviceSelector.Select([Info(0, "Cpu"), Info(1, "DiscreteGpu"), Info(2, "IntegratedGpu")], null));
        Assert.Equal(2, VulkanDeviceSelector.Select([Info(0, "Cpu"), Info(1, "Other"), Info(2, "IntegratedGpu")], null));
        Assert.Equal(0, VulkanDeviceSelector.Select([Info(0, "Cpu")], null));
        Assert.Equal(1, VulkanDeviceSelector.Select([Info(0, "DiscreteGpu", compute: false), Info(1, "Cpu")], null));
        Assert.Equal(0, VulkanDeviceSelector.Select([Info(0, "Cpu"), Info(1, "DiscreteGpu")], 0));
    }

    [Fact]
    public void SelectionExplainsWhyNothingFits()
    {
        Assert.Contains("no Vulkan physical device", Assert.Throws<VulkanUnavailableException>(() => VulkanDeviceSelector.Select([], null)).Reason);
        Assert.Contains("out of range", Assert.Throws<VulkanUnavailableException>(() => VulkanDeviceSelector.Select([Info(0, "Cpu")], 3)).Reason);
        Assert.Contains("no compute queue", Assert.Throws<VulkanUnavailableException>(() => VulkanDeviceSelector.Select([Info(0, "Cpu", compute: false)], 0)).Reason);
    }

    [VulkanFact]
    public void EnumerationReportsNameDriverApiVersionAndType()
    {
        IReadOnlyList<VulkanPhysicalDeviceInfo> devices = VulkanProbe.Probe().Devices;
        Assert.NotEmpty(devices);
        foreach (VulkanPhysicalDeviceInfo d in devices)
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Name));
            Assert.False(string.IsNullOrWhiteSpace(d.Driver));
            Assert.Matches(@"^1\.\d+\.\d+$", d.ApiVersion);
            Assert.Contains(d.Type, new[] { "DiscreteGpu", "IntegratedGpu", "VirtualGpu", "Cpu", "Other" });
        }
        Assert.Equal(devices[VulkanDeviceSelector.Select(devices, null)].Name, fixture.Device.Info.Name);
    }

    [VulkanFact]
    public void AnExplicitIndexOutOfRangeIsReportedAsUnavailable()
    {
        VulkanUnavailableException e = Assert.Throws<VulkanUnavailableException>(() => VulkanDevice.Create(new VulkanDeviceOptions { DeviceIndex = 99, EnableValidation = false }));
        Assert.Contains("--vk-device 99 is out of range", e.Reason);
    }

    [VulkanFact]
    public unsafe void TheValidationLayerIsActiveAndItsErrorsAreCounted()
    {
        VulkanDevice device = fixture.Device;
        if (!device.ValidationEnabled)
        {
            return; // no layer installed: nothing to count (the smoke test reports it)
        }

        int before = device.Validation.Errors;
        VulkanLogicalDevice ld = device.AcquireCurrent()!;
        try
        {
            // Size 0 is invalid usage (VUID-VkBufferCreateInfo-size-00912): the layer must report it.
            var info = new BufferCreateInfo { SType = StructureType.BufferCreateInfo, Size = 0, Usage = BufferUsageFlags.StorageBufferBit };
            Silk.NET.Vulkan.Buffer buffer;
            if (ld.Api.CreateBuffer(ld.Handle, &info, null, &buffer) == Result.Success)
            {
                ld.Api.DestroyBuffer(ld.Handle, buffer, null);
            }
        }
        finally
        {
            ld.Release();
        }
        Assert.Equal(before + 1, device.Validation.Errors);
        Assert.Contains(device.Validation.Messages, m => m.Contains("00912"));
    }
}
