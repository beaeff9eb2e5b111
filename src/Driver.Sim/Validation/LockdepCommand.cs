using System.CommandLine;
using Driver.Core.Locking;
using Driver.Core.Resv;
using Driver.Sim.Cli;

namespace Driver.Sim.Validation;

/// <summary>
/// <c>gpusim lockdep --list | --demo NAME</c>: runs a lock-validator demonstration and prints its report. Exit 0
/// when the validator caught what it should (a report for the deadlock demos, none for the epoch wedge), 1 when it
/// did not, 2 for an unknown demo or when asked for nothing.
/// </summary>
public static class LockdepCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var list = new Option<bool>("--list") { Description = "List the demonstrations" };
        var demo = new Option<string?>("--demo") { Description = "Run one demonstration by name (see --list)", HelpName = "NAME" };
        var cmd = new Command("lockdep", "Lock validator demonstrations: the 2018 stop_machine splat, a fence wait under a reservation lock, the epoch wedge, the mixed reset-locking rules");
        cmd.Options.Add(list);
        cmd.Options.Add(demo);
        cmd.SetAction(pr => Run(pr.GetValue(list), pr.GetValue(demo), pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error));
        return cmd;
    }

    /// <summary>Every demonstration name.</summary>
    public static IReadOnlyList<string> Names => [StopMachineSplatDemo.Name, .. new LockdepDemos().Names, EpochWedgeDemo.Name, MixedResetRulesDemo.Name];

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(bool list, string? name, TextWriter output, TextWriter error)
    {
        if (name is null && !list)
        {
            return CliMessages.Usage(error, "lockdep", $"say what to do: --list, or --demo NAME with NAME one of {string.Join(", ", Names)}");
        }
        if (list)
        {
            foreach (string n in Names)
            {
                output.WriteLine(n);
            }

            return ExitCodes.Ok;
        }
        name ??= "";
        if (name == EpochWedgeDemo.Name)
        {
            IReadOnlyList<LockdepReport> reports = EpochWedgeDemo.Run(TimeSpan.FromMilliseconds(600));
            foreach (LockdepReport r in reports)
            {
                output.WriteLine(r.Text);
            }

            output.WriteLine(reports.Count == 0
                ? "epoch-wedge: wedge and unwedge under concurrent submission, lock validator reported nothing"
                : $"epoch-wedge: {reports.Count} unexpected report(s)");
            return reports.Count == 0 ? 0 : 1;
        }
        if (name == MixedResetRulesDemo.Name)
        {
            return RunMixedResetRules(output);
        }
        if (name == StopMachineSplatDemo.Name)
        {
            // The same threads under both designs, epoch/revoke first (its edges stay in the graph for the second run).
            IReadOnlyList<LockdepReport> epoch = StopMachineSplatDemo.Run(stopMachine: false);
            foreach (LockdepReport r in epoch)
            {
                output.WriteLine(r.Text);
            }

            output.WriteLine($"epoch wedge + revoke mmap policy: {epoch.Count} report(s)");
            IReadOnlyList<LockdepReport> stop = StopMachineSplatDemo.Run(stopMachine: true);
            LockdepReport? splat = stop.FirstOrDefault(r => r.Kind == LockdepReportKind.CircularDependency);
            if (splat is not null)
            {
                output.WriteLine(splat.Text);
            }

            output.WriteLine($"stop-machine wedge + stop-machine mmap policy: {stop.Count} report(s)");
            return epoch.Count == 0 && splat is not null ? 0 : 1;
        }

        var demos = new LockdepDemos();
        if (!demos.Names.Contains(name))
        {
            return CliMessages.Usage(error, "lockdep", $"unknown demo '{name}'{Suggestions.DidYouMean(name, Names)}; known: {string.Join(", ", Names)}");
        }
        LockdepReport? report = demos.Run(name, new LockValidator());
        if (report is null)
        {
            output.WriteLine($"{name}: the validator did not report the deadlock");
            return 1;
        }
        output.WriteLine(report.Text);
        return 0;
    }

    /// <summary>
    /// The mixed rules (amdgpu exporter, i915 importer) must report the cycle through dma_resv and dma_fence_map;
    /// each fix (both i915, both amdgpu) must report nothing on the same paths.
    /// </summary>
    private static int RunMixedResetRules(TextWriter output)
    {
        IReadOnlyList<LockdepReport> mixed = MixedResetRulesDemo.Run(ResetLockingRule.Amdgpu, ResetLockingRule.I915);
        LockdepReport? cycle = mixed.FirstOrDefault(r =>
            LockValidator.IsCycleThrough(r, DmaResv.Class.MutexClass.Name, LockValidator.FenceMapClassName));
        if (cycle is not null)
        {
            output.WriteLine(cycle.Text);
        }

        output.WriteLine($"mixed rules (amdgpu exporter, i915 importer): {mixed.Count} report(s)");
        bool safe = true;
        foreach ((ResetLockingRule exporter, ResetLockingRule importer, string fix) in new[]
        {
            (ResetLockingRule.I915, ResetLockingRule.I915, "the reset takes no dma_resv"),
            (ResetLockingRule.Amdgpu, ResetLockingRule.Amdgpu, "no fence wait under dma_resv"),
        })
        {
            IReadOnlyList<LockdepReport> reports = MixedResetRulesDemo.Run(exporter, importer);
            foreach (LockdepReport r in reports)
            {
                output.WriteLine(r.Text);
            }

            output.WriteLine($"safe: both {ResetLockingRuleNames.Name(exporter)} ({fix}): {reports.Count} report(s)");
            safe &= reports.Count == 0;
        }

        return cycle is not null && safe ? 0 : 1;
    }
}
