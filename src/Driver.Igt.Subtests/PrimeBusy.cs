using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Prime;
using Driver.Igt.Lib;
using Driver.Uapi;
using PrimeShare = (Driver.Uapi.GpuDevice Ex, int ExFd, int Handle, Driver.Uapi.GpuDevice Im, int ImFd, int Import);

namespace Driver.Igt.Subtests;

/// <summary>
/// prime_busy, across two devices: IGT's binary checks that an exported buffer reports the exporter's work as busy
/// (before, after, hang, each also -wait); here the buffer is imported into a second device, which sees the
/// exporter's work through the shared reservation. <c>hang</c> and <c>hang-wait</c> keep IGT's names (a hang on the
/// exporter, seen busy then idle from the importer); the other subtests are GpuSim's: hangs and wedges on the
/// importer's side, implicit-sync ordering across the devices, and an exporter's move under a hang.
/// </summary>
public sealed class PrimeBusy : IIgtBinary
{
    /// <inheritdoc/>
    public string Name => "prime_busy";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("hang", t => Hang(t, wait: false), IgtExpectations.Hang,
            "A hang on the exporter keeps the import busy on the importer until the exporter's reset ends it.");
        b.Subtest("hang-wait", t => Hang(t, wait: true), IgtExpectations.Hang,
            "The importer waits on the import across the exporter's hang; the wait ends with the reset.");
        b.Subtest("hang-importer", HangImporter, IgtExpectations.Hang,
            "A hang on the importer releases the exporter's waiting writer; the exporter never resets.");
        b.Subtest("wedged-exporter", t => Wedged(t, exporterSide: true), IgtExpectations.Wedge,
            "A wedged exporter releases the importer's waiter; the importer keeps using the import.");
        b.Subtest("wedged-importer", t => Wedged(t, exporterSide: false), IgtExpectations.Wedge,
            "A wedged importer releases the exporter's waiter; the exporter keeps working.");
        b.Subtest("write-after-read", WriteAfterRead, IgtExpectations.None,
            "Implicit sync across devices: the importer's writer runs only after the exporter's reader.");
        b.Subtest("move-hang", MoveHang, IgtExpectations.Hang,
            "The exporter moves the buffer under a hang: move_notify, the KERNEL fence, and the importer's next use runs after the reset.");
    }

    // A buffer on an exporter device, imported into a second device: (exporter, its fd, its handle, importer, its
    // fd, the import's handle).
    private static PrimeShare Share(IgtContext t)
    {
        GpuDevice ex = t.Device;
        int exFd = t.Fd;
        int handle = IgtGem.Create(t, ex, exFd);
        IgtGem.Offset(t, ex, exFd, handle);
        t.AssertEq(ex.PrimeHandleToFd(exFd, handle, out DmaBuf? buf), 0);
        GpuDevice im = t.OpenDevice();
        int imFd = t.OpenClient(im);
        t.AssertEq(im.PrimeFdToHandle(imFd, buf, out int import), 0);
        buf!.Close(); // close(dmabuf): the import holds the buffer
        IgtGem.Offset(t, im, imFd, import);
        return (ex, exFd, handle, im, imFd, import);
    }

    private static DmaFence Store(IgtContext t, GpuDevice dev, int fd, int target, int index, uint value) =>
        IgtGem.StoreWord(t, dev, fd, 0, EngineId.Bcs0, null, target, IgtGem.Offset(t, dev, fd, target), index, value);

    private static void AssertNoResets(IgtContext t, GpuDevice dev)
    {
        t.AssertEq(dev.Reset.ResetCount, 0);
        t.AssertEq(dev.Reset.TotalEngineResets, 0);
        t.Assert(!dev.IsWedged);
    }

    private static void Hang(IgtContext t, bool wait)
    {
        PrimeShare s = Share(t);
        IgtGem.SetParam(t, s.Ex, s.ExFd, 0, ContextParam.Bannable, 0);
        using Spinner hang = IgtSpin.New(t, s.Ex, s.ExFd, new SpinnerOptions { NoPreemption = true, Objects = [s.Handle] });
        // The importer sees the exporter's reader: GEM_BUSY of the import reads the shared reservation.
        t.Assert(IgtGem.Busy(t, s.Im, s.ImFd, s.Import));
        if (wait)
        {
            t.AssertEq(s.Im.Wait(s.ImFd, s.Import, -1), 0);
        }
        else
        {
            IgtGem.Sync(t, s.Ex, s.ExFd, hang.Handle);
        }

        t.Assert(!IgtGem.Busy(t, s.Im, s.ImFd, s.Import));
        t.AssertEq(hang.Fence.Status, -Errno.EIO);
        AssertNoResets(t, s.Im);
        DmaFence f = Store(t, s.Im, s.ImFd, s.Import, 0, 0x1234);
        t.Assert(f.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(f.Status, 1);
        t.AssertEqU32(IgtGem.Read(t, s.Ex, s.ExFd, s.Handle, 0), 0x1234);
    }

    private static void HangImporter(IgtContext t)
    {
        PrimeShare s = Share(t);
        IgtGem.SetParam(t, s.Im, s.ImFd, 0, ContextParam.Bannable, 0);
        using Spinner hang = IgtSpin.New(t, s.Im, s.ImFd, new SpinnerOptions { NoPreemption = true, Objects = [s.Import] });
        DmaFence w = Store(t, s.Ex, s.ExFd, s.Handle, 0, 1);
        t.Assert(w.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(hang.Fence.Status, -Errno.EIO);
        t.AssertEq(w.Status, -Errno.EIO);
        AssertNoResets(t, s.Ex);
        DmaFence again = Store(t, s.Ex, s.ExFd, s.Handle, 1, 0x2222);
        t.Assert(again.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(again.Status, 1);
        t.AssertEqU32(IgtGem.Read(t, s.Ex, s.ExFd, s.Handle, 4), 0x2222);
    }

    private static void Wedged(IgtContext t, bool exporterSide)
    {
        PrimeShare s = Share(t);
        (GpuDevice hurt, int hurtFd, int hurtHandle) = exporterSide ? (s.Ex, s.ExFd, s.Handle) : (s.Im, s.ImFd, s.Import);
        (GpuDevice fine, int fineFd, int fineHandle) = exporterSide ? (s.Im, s.ImFd, s.Import) : (s.Ex, s.ExFd, s.Handle);
        using Spinner reader = IgtSpin.Sync(t, hurt, hurtFd, new SpinnerOptions { Objects = [hurtHandle] });
        DmaFence w = Store(t, fine, fineFd, fineHandle, 0, 1);
        hurt.Wedge("prime_busy: wedged on purpose");
        t.Assert(w.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(reader.Fence.Status, -Errno.EIO);
        AssertNoResets(t, fine);
        DmaFence again = Store(t, fine, fineFd, fineHandle, 1, 0x3333);
        t.Assert(again.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(again.Status, 1);
        t.AssertEqU32(IgtGem.Read(t, s.Ex, s.ExFd, s.Handle, 4), 0x3333);
    }

    private static void WriteAfterRead(IgtContext t)
    {
        PrimeShare s = Share(t);
        using Spinner reader = IgtSpin.Sync(t, s.Ex, s.ExFd, new SpinnerOptions { Objects = [s.Handle] });
        DmaFence w = Store(t, s.Im, s.ImFd, s.Import, 0, 0x77);
        // Held on the exporter's reader (i915_request_await_object, dma_resv_usage_rw(write)).
        t.Assert(!w.Wait(TimeSpan.FromMilliseconds(50)));
        t.Assert(IgtGem.Busy(t, s.Im, s.ImFd, s.Import));
        reader.End();
        t.Assert(w.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(w.Status, 1);
        t.Assert(w.SignalTimestamp >= reader.Fence.SignalTimestamp);
        t.AssertEqU32(IgtGem.Read(t, s.Ex, s.ExFd, s.Handle, 0), 0x77);
    }

    private static void MoveHang(IgtContext t)
    {
        PrimeShare s = Share(t);
        IgtGem.Write(t, s.Ex, s.ExFd, s.Handle, 0, [9]);
        IgtGem.SetParam(t, s.Ex, s.ExFd, 0, ContextParam.Bannable, 0);
        using Spinner hang = IgtSpin.New(t, s.Ex, s.ExFd, new SpinnerOptions { NoPreemption = true, Objects = [s.Handle] });
        t.AssertEq(s.Ex.MoveBuffer(s.ExFd, s.Handle, out DmaFence? move), 0);
        t.AssertEq(s.Im.GetPrimeImport(s.ImFd, s.Import, out PrimeImport? import), 0);
        t.AssertEq(import!.MoveNotifies, 1);
        t.AssertEq(import.NotifiedWithoutLock, 0);
        DmaFence w = Store(t, s.Im, s.ImFd, s.Import, 1, 0x99);
        t.Assert(w.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(hang.Fence.Status, -Errno.EIO);
        t.AssertEq(move!.Status, 1);
        // The importer's writer awaited the hung reader too (error passed on) and the KERNEL fence: it started after the move.
        t.Assert(w.SignalTimestamp >= move.SignalTimestamp);
        t.AssertEqU32(IgtGem.Read(t, s.Ex, s.ExFd, s.Handle, 0), 9);
        AssertNoResets(t, s.Im);
        DmaFence again = Store(t, s.Im, s.ImFd, s.Import, 2, 0xaa);
        t.Assert(again.Wait(TimeSpan.FromSeconds(10)));
        t.AssertEq(again.Status, 1);
        t.AssertEqU32(IgtGem.Read(t, s.Ex, s.ExFd, s.Handle, 8), 0xaa);
    }
}
