using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>
/// Every ioctl that takes a client, context or object handle answers -ENOENT for an unknown one, except GEM_CLOSE,
/// which answers -EINVAL for an unknown handle (drm_gem_handle_delete).
/// </summary>
public class UnknownIdTests
{
    private const int NoClient = 999;
    private const int NoContext = 77;
    private const int NoHandle = 555;

    public static TheoryData<string> Ioctls => new()
    {
        "CloseClient", "CreateContext", "DestroyContext", "SetContextParam", "GetContextParam", "GetResetStats",
        "CreateBuffer", "CloseBuffer", "Bind", "Map", "Write", "Read", "Execbuf", "Wait", "Busy", "Throttle",
    };

    /// <summary>Calls <paramref name="ioctl"/> once per kind of unknown id it takes; returns every result.</summary>
    private static int[] CallWithUnknownIds(string ioctl, GpuDevice dev, int c, int h)
    {
        ExecbufArgs Exec(int client = 0, int ctx = 0, int batch = 0, int[]? objects = null) => new()
        {
            Client = client == 0 ? c : client,
            Context = ctx,
            Engine = 0,
            BatchHandle = batch == 0 ? h : batch,
            Objects = objects ?? [],
        };
        return ioctl switch
        {
            "CloseClient" => [dev.CloseClient(NoClient)],
            "CreateContext" => [dev.CreateContext(NoClient, out _)],
            "DestroyContext" => [dev.DestroyContext(NoClient, 1), dev.DestroyContext(c, NoContext)],
            "SetContextParam" => [dev.SetContextParam(NoClient, 0, ContextParam.Recoverable, 1),
                dev.SetContextParam(c, NoContext, ContextParam.Recoverable, 1)],
            "GetContextParam" => [dev.GetContextParam(NoClient, 0, ContextParam.Priority, out _),
                dev.GetContextParam(c, NoContext, ContextParam.Priority, out _)],
            "GetResetStats" => [dev.GetResetStats(NoClient, 0, out _), dev.GetResetStats(c, NoContext, out _)],
            "CreateBuffer" => [dev.CreateBuffer(NoClient, 4096, out _)],
            "CloseBuffer" => [dev.CloseBuffer(NoClient, h)],
            "Bind" => [dev.Bind(NoClient, h, out _), dev.Bind(c, NoHandle, out _)],
            "Map" => [dev.Map(NoClient, h, out _), dev.Map(c, NoHandle, out _)],
            "Write" => [dev.Write(NoClient, h, 0, [1u]), dev.Write(c, NoHandle, 0, [1u])],
            "Read" => [dev.Read(NoClient, h, 0, new uint[1]), dev.Read(c, NoHandle, 0, new uint[1])],
            "Execbuf" => [dev.Execbuf(Exec(client: NoClient), out _), dev.Execbuf(Exec(ctx: NoContext), out _),
                dev.Execbuf(Exec(batch: NoHandle), out _), dev.Execbuf(Exec(objects: [h, NoHandle]), out _)],
            "Wait" => [dev.Wait(NoClient, h, 0), dev.Wait(c, NoHandle, 1000)],
            "Busy" => [dev.Busy(NoClient, h, out _), dev.Busy(c, NoHandle, out _)],
            "Throttle" => [dev.Throttle(NoClient)],
            _ => throw new ArgumentOutOfRangeException(nameof(ioctl)),
        };
    }

    [Theory]
    [MemberData(nameof(Ioctls))]
    public void UnknownIdIsEnoentAndTheDeviceStillWorks(string ioctl)
    {
        using var t = TestDevice.Fast();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new Driver.Engines.Isa.BatchBuilder().End());
        int[] results = CallWithUnknownIds(ioctl, t.Dev, t.Client, batch.Handle);
        Assert.All(results, r => Assert.Equal(-Errno.ENOENT, r));
        // The good handle was not disturbed by the failed calls.
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs { Client = t.Client, Engine = 0, BatchHandle = batch.Handle }, out DmaFence? f));
        Assert.True(f!.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        t.AssertWorks();
    }

    [Fact]
    public void DestroyedAndClosedIdsAreEnoent()
    {
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
        Assert.Equal(0, t.Dev.DestroyContext(t.Client, ctx));
        Assert.Equal(-Errno.ENOENT, t.Dev.DestroyContext(t.Client, ctx));
        Assert.Equal(-Errno.ENOENT, t.Dev.GetContextParam(t.Client, ctx, ContextParam.Priority, out _));
        TestBuffer batch = t.NewBuffer();
        batch.Write(new Driver.Engines.Isa.BatchBuilder().End());
        Assert.Equal(-Errno.ENOENT, t.Execbuf(batch, 0, ctx, null, out _));
        Assert.Equal(0, t.Dev.CloseBuffer(t.Client, batch.Handle));
        // drm_gem_handle_delete: a handle already closed is -EINVAL.
        Assert.Equal(-Errno.EINVAL, t.Dev.CloseBuffer(t.Client, batch.Handle));
        Assert.Equal(-Errno.ENOENT, t.Execbuf(batch, 0, 0, null, out _));
        Assert.Equal(0, t.Dev.OpenClient(out int other));
        Assert.Equal(0, t.Dev.CloseClient(other));
        Assert.Equal(-Errno.ENOENT, t.Dev.CloseClient(other));
        Assert.Equal(-Errno.ENOENT, t.Dev.CreateBuffer(other, 4096, out _));
        t.AssertWorks();
    }

    [Fact]
    public void HandlesArePerClient()
    {
        using var t = TestDevice.Fast();
        TestBuffer mine = t.NewBuffer();
        Assert.Equal(0, t.Dev.OpenClient(out int other));
        Assert.Equal(0, t.Dev.CreateBuffer(other, 4096, out int theirs));
        Assert.NotEqual(0, theirs);
        // The other client has exactly one handle; this client's other handle numbers mean nothing to it.
        Assert.Equal(-Errno.ENOENT, t.Dev.Busy(other, mine.Handle + 100, out _));
        Assert.Equal(0, t.Dev.Busy(other, theirs, out bool busy));
        Assert.False(busy);
    }
}
