using System.CommandLine;
using System.Globalization;
using Driver.Reset.Mmap;
using Driver.Sim.Cli;

namespace Driver.Sim.Glitch;

/// <summary>
/// <c>gpusim glitch --policy glitch|stop-machine|revoke --seconds S --threads N [--json FILE]</c>: runs
/// <see cref="GlitchRunner"/> and prints its report. Exit codes: 0 done; 1 an access failed, or a policy that must
/// not glitch did; 2 bad option values.
/// </summary>
public static class GlitchCommand
{
    /// <summary>Exit code for bad option values (<see cref="ExitCodes.Usage"/>).</summary>
    public const int UsageError = ExitCodes.Usage;

    /// <summary>Builds the <c>glitch</c> command (add it to the root command).</summary>
    public static Command Build()
    {
        var policy = new Option<string>("--policy")
        {
            Description = "mmap reset policy: glitch, stop-machine or revoke",
            HelpName = "glitch|stop-machine|revoke",
            DefaultValueFactory = _ => "revoke",
        };
        var seconds = new Option<string>("--seconds")
        {
            Description = "how long to loop full resets (0 < S <= 3600)",
            HelpName = "S",
            DefaultValueFactory = _ => "3",
        };
        var threads = new Option<string>("--threads")
        {
            Description = "GTT mmap user threads, each with an X- and a Y-tiled object (1..64)",
            HelpName = "N",
            DefaultValueFactory = _ => "2",
        };
        var wedgeEvery = new Option<string>("--wedge-every")
        {
            Description = "every Nth reset is a wedge + unwedge, which reset the hardware without the policy (0: never)",
            HelpName = "N",
            DefaultValueFactory = _ => "0",
        };
        var json = new Option<string?>("--json")
        {
            Description = "also write the result as JSON to FILE ('-' for stdout; the report then goes to stderr)",
            HelpName = "FILE",
        };
        var cmd = new Command("glitch", "GTT mmaps of tiled objects racing full device resets (igt gem_mmap_gtt@hang)");
        cmd.Options.Add(policy);
        cmd.Options.Add(seconds);
        cmd.Options.Add(threads);
        cmd.Options.Add(wedgeEvery);
        cmd.Options.Add(json);
        cmd.SetAction(pr => Execute(
            pr.GetValue(policy), pr.GetValue(seconds), pr.GetValue(threads), pr.GetValue(json),
            pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error, pr.GetValue(wedgeEvery)));
        return cmd;
    }

    /// <summary>Validates the option values, runs, reports. Returns the exit code.</summary>
    public static int Execute(string? policyName, string? secondsText, string? threadsText, string? jsonPath, TextWriter output, TextWriter error,
        string? wedgeEveryText = "0")
    {
        if (!MmapResetPolicyNames.TryParse(policyName, out MmapResetPolicy policy))
        {
            return Usage(error, $"--policy must be one of {string.Join(", ", MmapResetPolicyNames.All)}, not '{policyName}'");
        }

        if (!double.TryParse(secondsText, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            || !double.IsFinite(seconds) || seconds <= 0 || seconds > 3600)
        {
            return Usage(error, $"--seconds must be a number of seconds greater than 0 and at most 3600, not '{secondsText}'");
        }

        if (!int.TryParse(threadsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int threads) || threads < 1 || threads > 64)
        {
            return Usage(error, $"--threads must be an integer from 1 to 64, not '{threadsText}'");
        }

        if (!int.TryParse(wedgeEveryText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int wedgeEvery) || wedgeEvery < 0 || wedgeEvery > 1000)
        {
            return Usage(error, $"--wedge-every must be an integer from 0 to 1000, not '{wedgeEveryText}'");
        }

        Outputs outputs = new Outputs().File("--json", "result", jsonPath);
        if (!outputs.Check(error))
        {
            return UsageError;
        }
        TextWriter report = outputs.UsesStdout ? error : output;

        GlitchResult result = GlitchRunner.Run(new GlitchOptions
        {
            Policy = policy,
            Duration = TimeSpan.FromSeconds(seconds),
            Threads = threads,
            WedgeEvery = wedgeEvery,
        });
        report.Write(result.ToText());
        if (jsonPath is not null)
        {
            OutputFile.WriteAllText(jsonPath, result.ToJson() + Environment.NewLine, output);
        }
        if (Failure(result, policy) is { } failure)
        {
            CliMessages.Error(error, $"FAIL: {failure}");
            return ExitCodes.Failed;
        }
        return ExitCodes.Ok;
    }

    /// <summary>Why a run under <paramref name="policy"/> failed, or null when it passed.</summary>
    public static string? Failure(GlitchResult result, MmapResetPolicy policy)
    {
        // gem_mmap_gtt@hang checks the users' accesses across resets: with no access, or no reset, the run checked
        // nothing, and its zero glitches and mismatches are no pass.
        if (result.Accesses == 0 || result.Resets == 0)
        {
            return $"the run measured nothing: {result.Accesses} accesses across {result.Resets} resets";
        }

        if (result.FailedAccesses > 0)
        {
            return $"{result.FailedAccesses} accesses failed";
        }
        // A policy answers for the full reset's window only: wedging and unwedging reset the hardware without revoke
        // or restore in i915 too, so glitches there are the model working, not the policy failing.
        if (policy != MmapResetPolicy.Glitch && result.ByPath.FullReset > 0)
        {
            return $"policy {policy.ToName()} let accesses through the full reset's glitch window";
        }
        // The user's own check, as gem_mmap_gtt@hang's: a read-back that is not the pattern written. Without wedges
        // only a full reset can have caused it, which the policy answers for, whether or not the driver counted a
        // misrouted access (a protection that misroutes silently would pass on the counters alone).
        if (policy != MmapResetPolicy.Glitch && result.Wedges == 0 && result.Mismatches > 0)
        {
            return $"policy {policy.ToName()}: {result.Mismatches} read-backs differed from the pattern written, with no wedge to explain them";
        }

        return null;
    }

    private static int Usage(TextWriter error, string message) => CliMessages.Usage(error, "glitch", message);
}
