using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Engines.Isa;

using Driver.Uapi;

namespace Driver.Fuzz;

/// <summary>The checks every fuzz case ends with, whatever it did to the device.</summary>
public static class FuzzChecks
{
    /// <summary>How long every fence of a case has to signal once the case is over (a stuck fence, not a slow one).</summary>
    public static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(10);

    /// <summary>Reports of the default lock validator so far (compared before and after a case).</summary>
    public static int LockdepReports => Lockdep.Default.Reports.Count;

    /// <summary>
    /// The end of every case: every fence honest (<see cref="FenceLedger.Check"/>), no new lock-validator report, the
    /// device not wedged and still working on every engine (a fresh client's store batch completes with status 1 and
    /// its value lands). Adds a line per problem to <paramref name="problems"/>.
    /// </summary>
    public static void AfterCase(GpuDevice dev, FenceLedger ledger, int lockdepBefore, List<string> problems)
    {
        ledger.Check(DrainBound, problems);
        DeviceWorks(dev, problems);
        int reports = LockdepReports - lockdepBefore;
        if (reports > 0)
        {
            problems.Add($"{reports} lock validator report(s): {Lockdep.Default.Reports[^1].Kind}");
        }
    }

    /// <summary>Whether the device still does work: a store on every engine from a new client.</summary>
    public static void DeviceWorks(GpuDevice dev, List<string> problems)
    {
        if (dev.IsWedged)
        {
            problems.Add("the device is wedged after the case");
            return;
        }

        dev.OpenClient(out int client, name: "fuzz-check");
        try
        {
            if (dev.CreateBuffer(client, 4096, out int target) != 0 || dev.Bind(client, target, out uint address) != 0)
            {
                problems.Add("the device-works check could not create its target buffer");
                return;
            }

            foreach (EngineId engine in EngineIds.All)
            {
                uint value = 0x600d0000u | (uint)engine;
                uint slot = (uint)engine * 4;
                dev.CreateBuffer(client, 4096, out int batch);
                dev.Write(client, batch, 0, new BatchBuilder().StoreDword(address + slot, value).End().ToArray());
                int err = dev.Execbuf(new ExecbufArgs { Client = client, Engine = (int)engine, BatchHandle = batch }, out DmaFence? fence);
                if (err != 0)
                {
                    problems.Add($"device-works check: execbuf on {engine.Name()} failed with {Errno.Name(err)}");
                    continue;
                }

                if (!fence!.Wait(DrainBound))
                {
                    problems.Add($"device-works check: a store batch on {engine.Name()} did not complete within {DrainBound.TotalSeconds:0} s");
                    continue;
                }

                uint[] read = new uint[1];
                dev.Read(client, target, slot, read);
                if (fence.Status != 1 || read[0] != value)
                {
                    problems.Add($"device-works check: a store batch on {engine.Name()} ended with status {fence.Status}, stored 0x{read[0]:x} (expected 1, 0x{value:x})");
                }
            }
        }
        finally
        {
            dev.CloseClient(client);
        }
    }
}
