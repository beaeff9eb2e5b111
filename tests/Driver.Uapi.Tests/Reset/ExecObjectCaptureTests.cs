using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Reset.Capture;
using Driver.Testing.Devices;
using Driver.Testing.Gt;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// EXEC_OBJECT_CAPTURE (eb_capture_stage → rq->capture_list; capture_user in intel_engine_coredump_add_request): when a
/// request hangs, the error state records the whole contents of the objects its execbuf marked, and of no other, as
/// "ENGINE --- user = 0xHI LO" sections that IGT's gem_exec_capture (check_error_state) and intel_error_decode read.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class ExecObjectCaptureTests
{
    [Fact]
    public void AHangRecordsEveryMarkedObjectWholeAndNoOther()
    {
        using var t = TestDevice.Fast();
        TestBuffer marked = t.NewBuffer(2 * 4096);
        TestBuffer alsoMarked = t.NewBuffer();
        TestBuffer unmarked = t.NewBuffer();
        for (int i = 0; i < 2 * 1024; i++)
        {
            marked[i] = 0xca970000u + (uint)i;
        }

        alsoMarked[7] = 0x5eed;
        unmarked[0] = 0xbadc0de;
        DmaFence hang = ExecHang(t, [marked.Handle, alsoMarked.Handle, unmarked.Handle], [marked.Handle, alsoMarked.Handle]);

        AssertStatus(-Errno.EIO, hang, "the hanging batch");
        WaitRecoveryIdle(t.Dev);
        GpuErrorState? state = t.Dev.ReadErrorState();
        Assert.NotNull(state);
        EngineErrorState engine = Assert.Single(state.Engines);
        Assert.Equal([marked.Address, alsoMarked.Address], engine.UserObjects.Select(o => o.Address));

        // The error file, as check_error_state parses it: one section per marked object at its address, whose
        // decoded length is the object's size and whose contents are the object's.
        string[] lines = t.Dev.ReadErrorFile().Split('\n');
        Assert.Equal(2, lines.Count(l => l.Contains("--- user = ", StringComparison.Ordinal)));
        uint[] first = ErrorObjectCodec.Decode(lines[Array.IndexOf(lines, $"rcs0 --- user = 0x00000000 {marked.Address:x8}") + 1]);
        Assert.Equal(2 * 1024, first.Length);
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(0xca970000u + (uint)i, first[i]);
        }

        uint[] second = ErrorObjectCodec.Decode(lines[Array.IndexOf(lines, $"rcs0 --- user = 0x00000000 {alsoMarked.Address:x8}") + 1]);
        Assert.Equal(1024, second.Length);
        Assert.Equal(0x5eedu, second[7]);
        Assert.DoesNotContain(lines, l => l.Contains($"user = 0x00000000 {unmarked.Address:x8}", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutMarksAHangRecordsNoUserObject()
    {
        using var t = TestDevice.Fast();
        TestBuffer plain = t.NewBuffer();
        DmaFence hang = ExecHang(t, [plain.Handle], []);

        AssertStatus(-Errno.EIO, hang, "the hanging batch");
        WaitRecoveryIdle(t.Dev);
        Assert.Empty(Assert.Single(t.Dev.ReadErrorState()!.Engines).UserObjects);
        Assert.DoesNotContain("--- user = ", t.Dev.ReadErrorFile(), StringComparison.Ordinal);
    }

    [Fact]
    public void ACaptureHandleThatIsNotAnExecObjectIsEinval()
    {
        using var t = TestDevice.Fast();
        TestBuffer batch = t.NewBuffer();
        TestBuffer stray = t.NewBuffer();
        batch.Write(new BatchBuilder().End());

        int err = t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = 0,
            BatchHandle = batch.Handle,
            CaptureObjects = [stray.Handle],
        }, out DmaFence? fence);

        Assert.Equal(-Errno.EINVAL, err);
        Assert.Null(fence);
        t.AssertWorks();
    }

    /// <summary>A batch that jumps to itself (ended only by a reset) reading <paramref name="objects"/>.</summary>
    private static DmaFence ExecHang(TestDevice t, int[] objects, int[] capture)
    {
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().Jump(batch.Address));
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = 0,
            BatchHandle = batch.Handle,
            Objects = objects,
            CaptureObjects = capture,
        }, out DmaFence? fence));
        return fence!;
    }
}
