using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>SetError and SetErrorOnce: only before the signal, only negative errnos, fatal errors stick.</summary>
public class DmaFenceErrorTests
{
    [Fact]
    public void SetErrorBeforeSignalIsReported()
    {
        var f = new DmaFence();
        Assert.True(f.SetError(-Errno.ENOENT));
        Assert.True(f.SetError(-Errno.EIO));
        f.Signal();
        Assert.Equal(-Errno.EIO, f.Status);
    }

    [Fact]
    public void SetErrorAfterSignalIsRefused()
    {
        var f = new DmaFence();
        f.Signal();
        Assert.False(f.SetError(-Errno.EIO));
        Assert.Equal(0, f.Error);
        Assert.Equal(1, f.Status);
    }

    [Fact]
    public void SetErrorAfterSignalKeepsTheEarlierError()
    {
        var f = new DmaFence();
        f.SetError(-Errno.EAGAIN);
        f.Signal();
        Assert.False(f.SetError(-Errno.EIO));
        Assert.False(f.SetErrorOnce(-Errno.EIO));
        Assert.Equal(-Errno.EAGAIN, f.Error);
        Assert.Equal(-Errno.EAGAIN, f.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Errno.EIO)]
    [InlineData(-4096)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void NonErrnoValuesAreRejected(int value)
    {
        var f = new DmaFence();
        Assert.Throws<ArgumentOutOfRangeException>(() => f.SetError(value));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.SetErrorOnce(value));
        Assert.Equal(0, f.Error);
        f.Signal();
        Assert.Equal(1, f.Status);
    }

    [Fact]
    public void LargestErrnoIsAccepted()
    {
        var f = new DmaFence();
        Assert.True(f.SetError(-4095));
        f.Signal();
        Assert.Equal(-4095, f.Status);
    }

    [Theory]
    [InlineData(-Errno.EIO, -Errno.ENOENT, -Errno.EIO)]       // fatal stays
    [InlineData(-Errno.EIO, -Errno.EAGAIN, -Errno.EIO)]       // fatal is not replaced by a non-fatal one
    [InlineData(-Errno.EAGAIN, -Errno.EIO, -Errno.EIO)]       // fatal replaces non-fatal
    [InlineData(-Errno.ETIMEDOUT, -Errno.ECANCELED, -Errno.ECANCELED)]
    [InlineData(-Errno.EAGAIN, -Errno.ETIMEDOUT, -Errno.ETIMEDOUT)] // non-fatal replaces non-fatal
    [InlineData(-Errno.ETIMEDOUT, -Errno.EAGAIN, -Errno.EAGAIN)]
    public void SetErrorOnceKeepsFatalErrors(int first, int second, int expected)
    {
        var f = new DmaFence();
        Assert.True(f.SetErrorOnce(first));
        Assert.Equal(expected != first, f.SetErrorOnce(second));
        Assert.Equal(expected, f.Error);
        f.Signal();
        Assert.Equal(expected, f.Status);
    }

    [Fact]
    public void SetErrorOnceAfterSignalIsRefused()
    {
        var f = new DmaFence();
        f.Signal();
        Assert.False(f.SetErrorOnce(-Errno.EIO));
        Assert.Equal(1, f.Status);
    }

    [Fact]
    public void FatalityFollowsI915()
    {
        Assert.False(Errno.IsFatal(0));
        Assert.False(Errno.IsFatal(-Errno.EAGAIN));
        Assert.False(Errno.IsFatal(-Errno.ETIMEDOUT));
        Assert.True(Errno.IsFatal(-Errno.EIO));
        Assert.True(Errno.IsFatal(-Errno.ECANCELED));
    }
}
