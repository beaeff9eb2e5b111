using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;

using Driver.Uapi;

namespace Driver.Fuzz;

/// <summary>
/// The batch fuzzer's property: on a fresh device, write the case's program into a batch object (beside a target
/// object and an object of random dwords), submit it as the case says, let it run a little, close the client (its
/// contexts are non-persistent, so whatever still runs is killed), then <see cref="FuzzChecks.AfterCase"/>. Also:
/// execbuf refuses an invalid engine or batch offset with EINVAL (i915_gem_do_execbuffer's checks), and no ioctl
/// throws or returns a positive value.
/// </summary>
public static class BatchProperty
{
    /// <summary>The device of a case: <see cref="DeviceConfig.Fast"/> with the lock validator on.</summary>
    public static DeviceConfig Config => DeviceConfig.Fast() with { Lockdep = true };

    /// <summary>Runs <paramref name="c"/>; throws <see cref="FuzzViolationException"/> listing every problem.</summary>
    public static void Run(BatchCase c)
    {
        var problems = new List<string>();
        var ledger = new FenceLedger();
        int lockdepBefore = FuzzChecks.LockdepReports;
        using (var dev = new GpuDevice(Config))
        {
            Exercise(dev, c, ledger, problems);
            FuzzChecks.AfterCase(dev, ledger, lockdepBefore, problems);
        }

        FuzzViolationException.ThrowIfAny(problems);
    }

    private static void Exercise(GpuDevice dev, BatchCase c, FenceLedger ledger, List<string> problems)
    {
        void Ok(int err, string what)
        {
            if (err != 0)
            {
                problems.Add($"setup: {what} failed with {Errno.Name(err)}");
            }
        }

        Ok(dev.OpenClient(out int client, name: "fuzz"), "open client");
        Ok(dev.CreateContext(client, out int ctx1), "create context");
        int[] contexts = [0, ctx1];
        foreach (int ctx in contexts)
        {
            // Non-persistent: closing the client kills what still runs (a preemptible endless loop would otherwise
            // run on as an orphan, by design).
            Ok(dev.SetContextParam(client, ctx, ContextParam.Persistence, 0), "non-persistence");
        }

        long batchSize = c.BatchPages * DeviceMemory.PageSize;
        Ok(dev.CreateBuffer(client, batchSize, out int batch), "create batch");
        Ok(dev.CreateBuffer(client, DeviceMemory.PageSize, out int target), "create target");
        Ok(dev.CreateBuffer(client, DeviceMemory.PageSize, out int other), "create other");
        Ok(dev.Bind(client, batch, out uint batchAddress), "bind batch");
        Ok(dev.Bind(client, target, out uint targetAddress), "bind target");
        Ok(dev.Bind(client, other, out uint otherAddress), "bind other");
        if (problems.Count > 0)
        {
            return;
        }

        Ok(dev.Write(client, other, 0, c.OtherDwords.ToArray()), "fill other");
        // The breadcrumb of the first submission's timeline, and the seqno its request will get.
        BatchSubmit first = c.Submits[0];
        var engine = (EngineId)(uint.Clamp((uint)first.Engine, 0, EngineIds.Count - 1));
        Core.Contexts.Timeline timeline = dev.Clients.Single(cl => cl.Id == client).GetContext(contexts[first.Context]).GetTimeline(engine);
        uint seqno = timeline.Seqno + 1;
        uint Resolve(FuzzAddress a) => a.Kind switch
        {
            AddressKind.Target => targetAddress + (a.Value % 1024) * 4,
            AddressKind.Self => batchAddress + a.Value * 4,
            AddressKind.Other => otherAddress + (a.Value % 1024) * 4,
            AddressKind.Breadcrumb => timeline.BreadcrumbAddress,
            AddressKind.Zero => 0,
            AddressKind.Raw => a.Value,
            _ => targetAddress + 1 + a.Value % 3,
        };
        uint[] dwords = c.Program.SelectMany(i => i.Encode(Resolve, seqno)).ToArray();
        Ok(dev.Write(client, batch, 0, dwords.AsSpan(0, Math.Min(dwords.Length, (int)(batchSize / 4)))), "write batch");

        for (int n = 0; n < c.Submits.Count; n++)
        {
            BatchSubmit s = c.Submits[n];
            bool validEngine = (uint)s.Engine < EngineIds.Count;
            bool validOffset = s.BatchOffset >= 0 && s.BatchOffset < batchSize && s.BatchOffset % 4 == 0;
            int err;
            DmaFence? fence;
            try
            {
                err = dev.Execbuf(new ExecbufArgs
                {
                    Client = client,
                    Context = contexts[s.Context],
                    Engine = s.Engine,
                    BatchHandle = batch,
                    BatchOffset = s.BatchOffset,
                    Objects = [target, other],
                }, out fence);
            }
            catch (Exception e)
            {
                problems.Add($"submit {n} ({s}): execbuf threw {e.GetType().Name}: {e.Message}");
                continue;
            }

            if (!validEngine || !validOffset)
            {
                if (err != -Errno.EINVAL)
                {
                    problems.Add($"submit {n} ({s}): expected EINVAL for an invalid {(validEngine ? "offset" : "engine")}, got {Describe(err)}");
                }
            }
            else if (err == 0)
            {
                ledger.Watch(fence!, $"submit {n} ({s})");
            }
            else if (err != -Errno.EIO)
            {
                // EIO: the context was banned by an earlier submit's hangs. Nothing else is expected here.
                problems.Add($"submit {n} ({s}): execbuf failed with {Describe(err)}");
            }
        }

        ledger.WaitAll(TimeSpan.FromMilliseconds(c.RunMs));
        Ok(dev.CloseClient(client), "close client");
    }

    private static string Describe(int err) => err == 0 ? "success" : err < 0 ? Errno.Name(err) : $"positive {err}";
}
