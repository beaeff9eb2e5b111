using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// Two devices of one process sharing a buffer: <see cref="Shared"/> created on <see cref="Exporter"/>, exported
/// (PRIME_HANDLE_TO_FD) and imported on <see cref="Importer"/> as <see cref="Imported"/>.
/// </summary>
internal sealed class PrimeTestPair : IDisposable
{
    public PrimeTestPair(TestDevice exporter, TestDevice importer)
    {
        Exporter = exporter;
        Importer = importer;
        Shared = exporter.NewBuffer();
        Assert.Equal(0, exporter.Dev.PrimeHandleToFd(exporter.Client, Shared.Handle, out DmaBuf? buf));
        Buf = buf!;
        Assert.Equal(0, importer.Dev.PrimeFdToHandle(importer.Client, Buf, out int handle));
        // The process closes its dma-buf fd once imported: from here the import alone holds the exporter's object.
        Buf.Close();
        Assert.Equal(0, importer.Dev.Bind(importer.Client, handle, out _));
        Assert.Equal(0, importer.Dev.Map(importer.Client, handle, out BufferMapping? map));
        Imported = new TestBuffer(handle, map!.Object);
        Assert.Equal(0, importer.Dev.GetPrimeImport(importer.Client, handle, out PrimeImport? import));
        Import = import!;
    }

    public TestDevice Exporter { get; }

    public TestDevice Importer { get; }

    public TestBuffer Shared { get; }

    public DmaBuf Buf { get; }

    public TestBuffer Imported { get; }

    public PrimeImport Import { get; }

    /// <summary>Execbuf of <paramref name="batch"/> on <paramref name="t"/>, reading or writing <paramref name="target"/>.</summary>
    public static DmaFence Exec(TestDevice t, EngineId engine, BatchBuilder batch, TestBuffer target, bool write)
    {
        TestBuffer bb = t.NewBuffer();
        bb.Write(batch);
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = (int)engine,
            BatchHandle = bb.Handle,
            InFences = [],
            Objects = write ? [] : [target.Handle],
            WriteObjects = write ? [target.Handle] : [],
        }, out DmaFence? fence));
        return fence!;
    }

    public void Dispose()
    {
        Importer.Dispose();
        Exporter.Dispose();
    }
}
