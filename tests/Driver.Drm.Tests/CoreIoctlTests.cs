using Driver.Core.Errors;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>drm_ioctl and the core DRM ioctls: VERSION, GET_CAP, SET/DROP_MASTER, GEM_CLOSE.</summary>
public class CoreIoctlTests
{
    [Fact]
    public void RequestNumbersAreTheUapiHeaders()
    {
        // The encoded values of drm.h / i915_drm.h / sync_file.h on x86-64.
        Assert.Equal(0xc0406400u, Requests.Version);
        Assert.Equal(0x40086409u, Requests.GemClose);
        Assert.Equal(0xc010640cu, Requests.GetCap);
        Assert.Equal(0xc0106446u, Requests.GetParam);
        Assert.Equal(0xc010645bu, Requests.GemCreate);
        Assert.Equal(0x40406469u, Requests.Execbuffer2);
        Assert.Equal(0xc0406469u, Requests.Execbuffer2Wr);
        Assert.Equal(0xc008646du, Requests.ContextCreate);
        Assert.Equal(0xc010646du, Requests.ContextCreateExt);
        Assert.Equal(0xc0206464u, Requests.GemMmapOffset);
        Assert.Equal(0xc0106464u, Requests.GemMmapGtt);
        Assert.Equal(0xc010646cu, Requests.GemWait);
        Assert.Equal(0xc0186472u, Requests.GetResetStats);
        Assert.Equal(0xc0186475u, Requests.ContextSetParam);
        Assert.Equal(0xc0106479u, Requests.Query); // struct drm_i915_query is 16 bytes (what IGT sends)
        Assert.Equal(0x00006458u, Requests.GemThrottle);
        Assert.Equal(0xc0303e03u, Requests.SyncMerge);
        Assert.Equal(0xc0383e04u, Requests.SyncFileInfo);
    }

    [Fact]
    public void VersionIsI915WithFullLengthsAndTruncatedCopies()
    {
        // drm_copy_field: copies min(len, user len) bytes, writes the full length back.
        using var h = DrmHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(DrmCoreLayout.VersionSize);
        ulong name = h.Caller.Alloc(8);
        a.SetU64(DrmCoreLayout.VersionNameLen, 2);
        a.SetU64(DrmCoreLayout.VersionName, name);
        Assert.Equal(0, h.Ioctl(Requests.Version, a));
        Assert.Equal(1, a.S32(DrmCoreLayout.VersionMajor));
        Assert.Equal(6, a.S32(DrmCoreLayout.VersionMinor));
        Assert.Equal(4ul, a.U64(DrmCoreLayout.VersionNameLen));
        Assert.Equal("i9\0\0"u8.ToArray(), h.Caller.Get(name, 4));
        Assert.Equal((ulong)I915Driver.DriverDesc.Length, a.U64(DrmCoreLayout.VersionDescLen));

        a.SetU64(DrmCoreLayout.VersionName, FakeCaller.BadAddress);
        a.SetU64(DrmCoreLayout.VersionNameLen, 4);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.Version, a));
    }

    [Fact]
    public void UnreadableArgumentIsEfault()
    {
        // drm_ioctl: copy_from_user of the argument fails.
        using var h = DrmHarness.Fast();
        Assert.Equal(-Errno.EFAULT, h.Driver.Ioctl(h.File, Requests.GemCreate, FakeCaller.BadAddress, h.Caller));
    }

    [Fact]
    public void UnknownNumbersAreEinvalAndSyncobjEventfdEopnotsupp()
    {
        // drm_ioctl: a number past the core table or the driver's is -EINVAL; SYNCOBJ_EVENTFD is not modelled
        // (-EOPNOTSUPP, as on a driver without DRIVER_SYNCOBJ_TIMELINE).
        using var h = DrmHarness.Fast();
        Assert.Equal(-Errno.EINVAL, h.Ioctl(DrmIoctl.Iowr(0xd5, 8), DrmHarness.Arg(8)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(DrmIoctl.Iowr(DrmIoctl.CommandBase + 0x5f, 8), DrmHarness.Arg(8)));
        Assert.Equal(-Errno.EOPNOTSUPP, h.Ioctl(DrmIoctl.Iowr(0xcf, 24), DrmHarness.Arg(24)));
    }

    [Fact]
    public void AnIoctlOfAnotherTypeIsEnottyAndRunsNothing()
    {
        // drm_ioctl: DRM_IOCTL_TYPE(cmd) != DRM_IOCTL_BASE returns -ENOTTY before the number is looked at. The shim
        // forwards every ioctl on the device fd (isatty()'s TCGETS, a dma-buf's DMA_BUF_IOCTL_SYNC sent to the wrong
        // fd), so another type's request whose number happens to be a DRM one must not run that DRM ioctl.
        using var h = DrmHarness.Fast();
        const uint TcGets = 0x5401; // _IO('T', 1): nr 1
        uint dmaBufSync = DrmIoctl.Encode(DrmIoctl.DirWrite, 'b', 0, 8); // _IOW('b', 0, u64): nr 0 is DRM VERSION's
        uint getParamOfAnotherType = DrmIoctl.Encode(DrmIoctl.DirRead | DrmIoctl.DirWrite, 'X', DrmIoctl.Nr(Requests.GetParam), QueryLayout.GetParamSize);
        Assert.Equal(-Errno.ENOTTY, h.Ioctl(TcGets, DrmHarness.Arg(64)));
        Assert.Equal(-Errno.ENOTTY, h.Ioctl(dmaBufSync, DrmHarness.Arg(8)));
        Assert.Equal(-Errno.ENOTTY, h.Ioctl(getParamOfAnotherType, DrmHarness.Arg(QueryLayout.GetParamSize)));
    }

    [Fact]
    public void GetCapAnswersKnownCapsAndEinvalOthers()
    {
        // drm_getcap: TIMESTAMP_MONOTONIC 1, SYNCOBJ follows DRIVER_SYNCOBJ (1), SYNCOBJ_TIMELINE follows
        // DRIVER_SYNCOBJ_TIMELINE (1: i915 has it), unknown -EINVAL.
        using var h = DrmHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(DrmCoreLayout.GetCapSize);
        a.SetU64(0, DrmCoreLayout.CapTimestampMonotonic);
        Assert.Equal(0, h.Ioctl(Requests.GetCap, a));
        Assert.Equal(1ul, a.U64(8));
        a.SetU64(0, DrmCoreLayout.CapSyncobj);
        a.SetU64(8, 7);
        Assert.Equal(0, h.Ioctl(Requests.GetCap, a));
        Assert.Equal(1ul, a.U64(8));
        a.SetU64(0, DrmCoreLayout.CapSyncobjTimeline);
        Assert.Equal(0, h.Ioctl(Requests.GetCap, a));
        Assert.Equal(1ul, a.U64(8));
        a.SetU64(0, 0x99);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GetCap, a));
    }

    [Fact]
    public void MasterIsTheFirstFileAndBusyForOthers()
    {
        // drm_master_open makes the first opener master; drm_setmaster_ioctl -EBUSY while another is;
        // drm_dropmaster_ioctl -EINVAL for a file that is not master.
        using var h = DrmHarness.Fast();
        DrmFile other = h.Driver.Open(5);
        Assert.Equal(0, h.Ioctl(Requests.SetMaster, DrmHarness.Arg(0)));
        Assert.Equal(-Errno.EBUSY, h.Ioctl(other, Requests.SetMaster, DrmHarness.Arg(0)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(other, Requests.DropMaster, DrmHarness.Arg(0)));
        Assert.Equal(0, h.Ioctl(Requests.DropMaster, DrmHarness.Arg(0)));
        Assert.Equal(0, h.Ioctl(other, Requests.SetMaster, DrmHarness.Arg(0)));
        h.Driver.Release(other);
    }

    [Fact]
    public void RenderNodeRefusesMasterIoctlsAndNeverBecomesMaster()
    {
        // drm_ioctl_permit: SET_MASTER and DROP_MASTER have no DRM_RENDER_ALLOW, so a render client gets -EACCES
        // (render-allowed ioctls such as VERSION still work); drm_open_helper calls drm_master_open for a primary
        // client only, so a render open never becomes master, and the next card open does.
        const int RenderMinor = 128;
        using var h = DrmHarness.Fast();
        IDrmDriver driver = h.Driver; // drm_open of a node: the server calls it through the interface
        DrmFile render = driver.Open(7, RenderMinor);
        Assert.Equal(-Errno.EACCES, h.Ioctl(render, Requests.SetMaster, DrmHarness.Arg(0)));
        Assert.Equal(-Errno.EACCES, h.Ioctl(render, Requests.DropMaster, DrmHarness.Arg(0)));
        Assert.Equal(0, h.Ioctl(Requests.DropMaster, DrmHarness.Arg(0))); // the harness's card file was master
        DrmFile second = driver.Open(8, RenderMinor); // no master now: a render open still does not become it
        DrmFile card = driver.Open(9, 0);
        DrmFile other = driver.Open(10, 0);
        Assert.Equal(0, h.Ioctl(card, Requests.SetMaster, DrmHarness.Arg(0)));
        Assert.Equal(-Errno.EBUSY, h.Ioctl(other, Requests.SetMaster, DrmHarness.Arg(0)));
        Assert.Equal(-Errno.EACCES, h.Ioctl(second, Requests.SetMaster, DrmHarness.Arg(0)));
        foreach (DrmFile f in new[] { render, second, card, other })
        {
            h.Driver.Release(f);
        }
    }

    [Fact]
    public void GemCloseOfUnknownHandleIsEinval()
    {
        // drm_gem_close_ioctl -> drm_gem_handle_delete: -EINVAL for a handle that is not there (twice included).
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer a = DrmHarness.Arg(DrmCoreLayout.GemCloseSize);
        a.SetU32(0, bo);
        Assert.Equal(0, h.Ioctl(Requests.GemClose, a));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemClose, a));
    }

    [Fact]
    public void ShorterUserStructIsZeroFilled()
    {
        // drm_ioctl zero-fills kdata past the user's size: MMAP_GTT is MMAP_OFFSET with flags 0 (GTT).
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer gtt = DrmHarness.Arg(GemLayout.MmapGttSize);
        gtt.SetU32(0, bo);
        Assert.Equal(0, h.Ioctl(Requests.GemMmapGtt, gtt));
        ArgBuffer offset = DrmHarness.Arg(GemLayout.MmapOffsetSize);
        offset.SetU32(0, bo);
        offset.SetU64(GemLayout.MmapOffsetFlags, GemLayout.MmapOffsetGtt);
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, offset));
        Assert.Equal(offset.U64(8), gtt.U64(8));
        Assert.True(gtt.U64(8) >= MmapOffsetTable.FirstOffset);
    }
}
