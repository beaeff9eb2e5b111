using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Memory;

/// <summary>
/// A CPU mapping used after GEM_CLOSE of its object's last handle. In i915 the mapping holds the object
/// (i915_gem_mmap: the vma's reference, dropped at vm_close), so its pages are never handed to another object while
/// the mapping can still reach them. GpuDevice.Map's linear mapping held nothing: once the close released the object,
/// the next object created (another client's) got its pages, and the old mapping read and wrote them.
/// </summary>
public class MappingAfterCloseTests
{
    [Fact]
    public void ALinearMappingUsedAfterGemCloseNeverReachesAnotherClientsNewObject()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int owner = t.Client;
        int other = t.OpenClient();
        Assert.Equal(0, dev.CreateBuffer(owner, 4096, out int ha));
        Assert.Equal(0, dev.Map(owner, ha, out BufferMapping? map));
        long page = map!.Object.Pages.Numbers[0];
        Assert.Equal(0, dev.CloseBuffer(owner, ha)); // idle: released at once
        Assert.Equal(0, dev.CreateBuffer(other, 4096, out int hb));
        Assert.Equal(0, dev.LookupObject(other, hb, out BufferObject? b));
        Assert.Equal(page, b!.Pages.Numbers[0]); // the freed page went to the other client's new object
        Assert.Equal(0, dev.Write(other, hb, 0, [0x5ec2e7u]));

        int readErr = map.Read(0, out uint seen);
        int writeErr = map.Write(4, 0xdeadbeef);

        // Either the closed object is still there (i915) or the access is refused (-EFAULT, as a GTT mmap's is);
        // never the other client's data, never a store into its object.
        Assert.True(readErr == 0 ? seen != 0x5ec2e7u : readErr == -Errno.EFAULT, $"read {Errno.Name(readErr)} 0x{seen:x}");
        Assert.True(writeErr is 0 or -Errno.EFAULT, Errno.Name(writeErr));
        Assert.Equal(0u, b.ReadDword(4));
    }
}
