using Driver.Core.Fences;
using Driver.Core.Locking;
using Driver.Engines.Gt;
using Driver.Engines.Isa;
using Driver.Uapi;

namespace Driver.Sim.Validation;

/// <summary>
/// Demonstration (c): the epoch-based wedge run for real with the validator on — spinners on every engine,
/// submitters on several threads, a wedge, an unwedge, more work — and the validator must report nothing: the
/// epoch read side takes no lock, so unlike stop_machine it adds no dependency the rest of the driver can close.
/// </summary>
public static class EpochWedgeDemo
{
    /// <summary>Demo name.</summary>
    public const string Name = "epoch-wedge";

    /// <summary>Runs the demo on the default validator; returns the reports it raised (expected: none).</summary>
    public static IReadOnlyList<LockdepReport> Run(TimeSpan duration)
    {
        LockValidator validator = Lockdep.Default;
        bool wasEnabled = validator.Enabled;
        validator.Enabled = true;
        var reports = new List<LockdepReport>();
        void OnReport(LockdepReport r) { lock (reports) { reports.Add(r); } }
        validator.ReportAdded += OnReport;
        try
        {
            using var dev = new GpuDevice(DeviceConfig.Fast(WedgeStrategy.Epoch));
            dev.OpenClient(out int client);
            dev.CreateBuffer(client, 4096, out int batch);
            dev.Write(client, batch, 0, new BatchBuilder().End().ToArray());
            var spinners = Enumerable.Range(0, 5).Select(e => Spinner.Start(dev, client, new SpinnerOptions { Engine = (Core.Hw.EngineId)e })).ToList();
            var fences = new List<DmaFence>();
            DateTime stop = DateTime.UtcNow + duration;
            var submitters = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                while (DateTime.UtcNow < stop)
                {
                    if (dev.Execbuf(new ExecbufArgs { Client = client, Engine = t % 5, BatchHandle = batch }, out DmaFence? f) == 0)
                    {
                        lock (fences)
                        {
                            fences.Add(f!);
                        }
                    }
                }
            })
            { Name = $"submitter{t}" }).ToList();
            submitters.ForEach(t => t.Start());
            Thread.Sleep(duration / 3);
            dev.Wedge("lockdep demo");
            Thread.Sleep(duration / 3);
            dev.Unwedge();
            submitters.ForEach(t => t.Join());
            foreach (Spinner? s in spinners)
            {
                s.End();
            }

            lock (fences)
            {
                foreach (DmaFence f in fences)
                {
                    f.Wait(TimeSpan.FromSeconds(10));
                }
            }
        }
        finally
        {
            validator.ReportAdded -= OnReport;
            validator.Enabled = wasEnabled;
        }
        lock (reports)
        {
            return reports.ToArray();
        }
    }
}
