using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Ioctl;

/// <summary>
/// Bad input never throws out of the uAPI: random arguments to every entry point return 0 or a negative errno the
/// entry point documents, and the device keeps working. Bounded by a call count and a time budget.
/// </summary>
public class IoctlFuzzTests
{
    private static readonly int[] s_errnos =
    [
        0, -Errno.ENOENT, -Errno.EINVAL, -Errno.EPERM, -Errno.EIO, -Errno.EFAULT, -Errno.ETIME, -Errno.EAGAIN,
        -Errno.ENODEV, -Errno.ENOSPC, -Errno.ENOMEM, -Errno.EBUSY, -Errno.ETIMEDOUT,
    ];

    [Fact]
    public void RandomArgumentsReturnErrnosAndNeverThrow()
    {
        using var t = TestDevice.Fast();
        // A client of its own: accepted random batches may hang and get its contexts banned; t.Client stays clean
        // to prove the device still works at the end.
        int c = t.OpenClient();
        Assert.Equal(0, t.Dev.CreateBuffer(c, 4096, out int good));
        var random = new Random(1234);
        long Any() => random.Next(6) switch
        {
            0 => 0,
            1 => -1,
            2 => long.MinValue,
            3 => long.MaxValue,
            4 => random.Next(-8, 8),
            _ => random.NextInt64(),
        };
        int AnyInt() => random.Next(4) == 0 ? good : (int)Any();
        // The good handle stays open: the checks at the end use it.
        int NotGood() => AnyInt() is var h && h == good ? -1 : h;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 3000 && sw.Elapsed < TimeSpan.FromSeconds(5); i++)
        {
            int client = random.Next(4) == 0 ? (int)Any() : c;
            long timeout = random.Next(2) == 0 ? 0 : -random.Next(2);
            int r = random.Next(14) switch
            {
                0 => t.Dev.CreateBuffer(client, Any(), out _, (Driver.Core.Memory.BoFlags)random.Next(8)),
                1 => t.Dev.CloseBuffer(client, NotGood()),
                2 => t.Dev.Write(client, AnyInt(), Any(), new uint[random.Next(3)]),
                3 => t.Dev.Read(client, AnyInt(), Any(), new uint[random.Next(3)]),
                4 => t.Dev.Wait(client, AnyInt(), ref timeout, (uint)random.Next(2)),
                5 => t.Dev.Busy(client, AnyInt(), out _),
                6 => t.Dev.SetContextParam(client, (int)Any(), (ContextParam)random.Next(16), Any(), (uint)random.Next(2)),
                7 => t.Dev.GetContextParam(client, (int)Any(), (ContextParam)random.Next(16), out _),
                8 => t.Dev.GetResetStats(client, (int)Any(), out _, (uint)random.Next(2), (uint)random.Next(2)),
                9 => t.Dev.DestroyContext(client, (int)Any(), (uint)random.Next(2)),
                10 => t.Dev.CreateContext(client, out _, (uint)random.Next(3)),
                11 => t.Dev.Throttle(client),
                12 => t.Dev.Map(client, AnyInt(), out _),
                _ => t.Dev.Execbuf(new ExecbufArgs
                {
                    Client = client,
                    Context = random.Next(3) == 0 ? (int)Any() : 0,
                    Engine = random.Next(3) == 0 ? (int)Any() : 0,
                    BatchHandle = AnyInt(),
                    BatchOffset = Any(),
                    Objects = random.Next(3) == 0 ? [AnyInt()] : [],
                    Flags = (ExecFlags)random.Next(4),
                }, out DmaFence? f) is var e && e == 0 && f is not null ? FinishAndReturn(f) : e,
            };
            Assert.Contains(r, s_errnos);
        }

        Assert.Equal(0, t.Dev.Busy(c, good, out _));
        t.AssertWorks();
    }

    // A batch that was accepted may run anything (its object is random memory); it must still finish, by itself
    // or through hang recovery.
    private static int FinishAndReturn(DmaFence f)
    {
        Assert.True(f.Wait(Bound.Long));
        return 0;
    }
}
