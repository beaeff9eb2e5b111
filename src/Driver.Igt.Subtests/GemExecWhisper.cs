using System.Diagnostics;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_exec_whisper@hang-normal: a value is whispered down a chain of batches on random engines, each storing its
/// immediate into the next one's, ordered only by implicit synchronisation on the batches it writes; the last one
/// stores the pass number into a scratch page. Meanwhile a hostile client submits invalid self-recursing batches
/// on every engine each pass, so engines are reset all the time. Every store of the 1024 passes must land:
/// map[i] == i.
/// </summary>
public sealed class GemExecWhisper : IIgtBinary
{
    /// <summary>Passes of the chain (IGT stops at 1024).</summary>
    private const int Passes = 1024;

    /// <summary>Batches in the whispering chain (QLEN).</summary>
    private const int QueueLength = 16;

    /// <summary>Byte offset of the immediate in a store batch: STORE_DWORD_IMM header, address, value, BATCH_BUFFER_END.</summary>
    private const int Loc = 8;

    /// <summary>
    /// A guard, not a target. The passes are what this subtest checks, so all of them run, however long a loaded
    /// machine takes (stopping at a wall-clock limit and then requiring every pass failed 898 != 1024 there, every
    /// store right); only a driver that stopped making progress meets this bound, which stays below the suite's
    /// per-subtest timeout so that the failure names the pass it got to.
    /// </summary>
    private static readonly TimeSpan s_giveUp = TimeSpan.FromSeconds(45);

    /// <inheritdoc/>
    public string Name => "gem_exec_whisper";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b) =>
        b.Subtest("hang-normal", Whisper, IgtExpectations.Hang, "Pass a value through a chain of batches on every engine while another client hangs them");

    private static void Whisper(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        var rng = new Random(0x5eed);
        var hang = new HostileClient(t, dev);
        int scratch = IgtGem.Create(t, dev, fd);
        uint scratchAddress = IgtGem.Offset(t, dev, fd, scratch);
        int store = IgtGem.Create(t, dev, fd);
        uint storeAddress = IgtGem.Offset(t, dev, fd, store);
        int[] batches = new int[QueueLength];
        for (int n = 0; n < QueueLength; n++)
        {
            batches[n] = IgtGem.BatchEnd(t, dev, fd);
        }
        // Batch n stores its own immediate into the immediate of batch n-1; batch 0 into the store batch.
        uint oldAddress = storeAddress;
        for (int n = 0; n < QueueLength; n++)
        {
            IgtGem.Write(t, dev, fd, batches[n], 0, new BatchBuilder().StoreDword(oldAddress + Loc, 0).End().ToArray());
            oldAddress = IgtGem.Offset(t, dev, fd, batches[n]);
        }
        t.Info($"Using nchild:1 (out of ncpus:{Environment.ProcessorCount} and nengine:{EngineIds.Count}), with a qlen:{QueueLength}");
        var sw = Stopwatch.StartNew();
        int pass = 0;
        while (pass < Passes && sw.Elapsed < s_giveUp)
        {
            hang.Submit();
            IgtGem.Write(t, dev, fd, store, 0, new BatchBuilder().StoreDword(scratchAddress + (uint)pass * 4, ~(uint)pass).End().ToArray());
            Exec(t, dev, fd, store, scratch, EngineId.Rcs0);
            IgtGem.Write(t, dev, fd, batches[QueueLength - 1], Loc, [(uint)pass]);
            for (int n = QueueLength; --n >= 1;)
            {
                Exec(t, dev, fd, batches[n], batches[n - 1], EngineIds.All[rng.Next(EngineIds.Count)]);
            }

            Exec(t, dev, fd, batches[0], store, EngineId.Rcs0);
            Exec(t, dev, fd, store, scratch, EngineId.Rcs0);
            pass++;
        }
        t.Debug($"Completed {pass}/{Passes} passes in {sw.Elapsed.TotalSeconds:F1} s");
        t.Info($"Engine resets: {EngineIds.All.Sum(e => dev.Reset.EngineResetCount(e.Class()))}");
        // check_bo
        IgtGem.Sync(t, dev, fd, scratch);
        t.AssertEq(dev.Map(fd, scratch, out BufferMapping? map), 0);
        for (int i = 0; i < pass; i++)
        {
            t.AssertEqU32(map![i], (uint)i);
        }

        t.AssertF(pass == Passes, $"only {pass} of {Passes} passes within {s_giveUp.TotalSeconds:F0} s");
        hang.Close();
    }

    private static void Exec(IgtContext t, GpuDevice dev, int fd, int batch, int written, EngineId engine) =>
        IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = (int)engine, BatchHandle = batch, WriteObjects = [written] });
}
