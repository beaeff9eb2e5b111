using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.Json.Nodes;
using Driver.Sim.Info;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;

namespace Driver.Sim.Cli;

/// <summary>
/// <c>gpusim info</c>: the device as configured (i915's defaults, a scenario's device, the overrides given), printed
/// like i915's debugfs engine info, or as JSON with <c>--json</c>. Starts no device.
/// </summary>
public static class InfoCommand
{
    /// <summary>Builds the command; its action writes to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var scenario = new Option<string?>("--scenario") { Description = "Show the device of this scenario file", HelpName = "FILE" };
        Option<string?> wedge = CommonOptions.WedgeStrategy();
        // The same ranges as a scenario's device (ScenarioValidator), so info shows only devices a run could have.
        Option<int?> heartbeat = NumberOptions.Int("--heartbeat-ms", 0, 600_000, "Heartbeat interval (0 disables hang detection)", "MS");
        Option<int?> preempt = NumberOptions.Int("--preempt-timeout-ms", 0, 600_000, "Preempt timeout", "MS");
        Option<int?> timeslice = NumberOptions.Int("--timeslice-ms", 0, 600_000, "Timeslice between equal-priority contexts (0 disables timeslicing)", "MS");
        var engineReset = new Option<bool>("--engine-reset") { Description = "Per-engine reset available" };
        var noEngineReset = new Option<bool>("--no-engine-reset") { Description = "No per-engine reset: every hang is a full reset" };
        var fullReset = new Option<bool>("--full-reset") { Description = "Full reset available" };
        var noFullReset = new Option<bool>("--no-full-reset") { Description = "No full reset: a hang the engine reset cannot fix wedges" };
        Option<int?> memory = NumberOptions.Int("--memory-mb", 16, 2048, "Device memory", "MB");
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };

        var command = new Command("info", "Show the device as configured: engines, GGTT, hang detection, reset capabilities, wedge strategy");
        foreach (Option o in new Option[] { scenario, wedge, heartbeat, preempt, timeslice, engineReset, noEngineReset, fullReset, noFullReset, memory, json })
        {
            command.Options.Add(o);
        }

        command.Validators.Add(result =>
        {
            if (Given(result, engineReset) && Given(result, noEngineReset))
            {
                result.AddError("--engine-reset and --no-engine-reset contradict each other");
            }

            if (Given(result, fullReset) && Given(result, noFullReset))
            {
                result.AddError("--full-reset and --no-full-reset contradict each other");
            }
        });
        command.SetAction(parse =>
        {
            DeviceSpec spec;
            try
            {
                spec = parse.GetValue(scenario) is { } path ? ScenarioLoader.LoadFile(path).Device ?? new DeviceSpec() : new DeviceSpec();
            }
            catch (ScenarioException e)
            {
                return CliMessages.Errors(stderr, e.Message, ExitCodes.Usage);
            }
            spec = spec with
            {
                HeartbeatMs = parse.GetValue(heartbeat) ?? spec.HeartbeatMs,
                PreemptTimeoutMs = parse.GetValue(preempt) ?? spec.PreemptTimeoutMs,
                TimesliceMs = parse.GetValue(timeslice) ?? spec.TimesliceMs,
                EngineReset = parse.GetValue(engineReset) ? true : parse.GetValue(noEngineReset) ? false : spec.EngineReset,
                FullReset = parse.GetValue(fullReset) ? true : parse.GetValue(noFullReset) ? false : spec.FullReset,
                MemoryMb = parse.GetValue(memory) ?? spec.MemoryMb,
            };
            DeviceConfig config = DeviceConfigFactory.Create(spec, CommonOptions.ParseWedgeStrategy(parse.GetValue(wedge)));
            IReadOnlyList<InfoSection> sections = DeviceInfo.Describe(config);
            if (parse.GetValue(json))
            {
                WriteJson(sections, stdout);
            }
            else
            {
                WriteText(sections, stdout);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>debugfs style: the section title, then one tab-indented "key: value [default d]" per line.</summary>
    public static void WriteText(IReadOnlyList<InfoSection> sections, TextWriter output)
    {
        foreach (InfoSection section in sections)
        {
            output.WriteLine(section.Title);
            foreach (InfoLine line in section.Lines)
            {
                output.WriteLine($"\t{line.Key}: {line.Value}" + (line.Default is { } d ? $" [default {d}]" : ""));
            }
        }
    }

    /// <summary>
    /// One object per section, keyed by title; each value typed (numbers, booleans, strings), keyed with its unit
    /// where the text shows one ("memory_mib": 512 for "memory: 512 MiB").
    /// </summary>
    public static void WriteJson(IReadOnlyList<InfoSection> sections, TextWriter output)
    {
        var doc = new JsonObject();
        foreach (InfoSection section in sections)
        {
            var lines = new JsonObject();
            foreach (InfoLine line in section.Lines)
            {
                lines[line.JsonKey ?? line.Key] = line.Json?.DeepClone() ?? JsonValue.Create(line.Value);
            }

            doc[section.Title] = lines;
        }
        output.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// Whether a flag was given and parsed. A value that failed to parse (<c>--engine-reset=maybe</c>) is already a
    /// parse error of its own; reading it here would throw instead of letting that error be reported.
    /// </summary>
    private static bool Given(CommandResult result, Option<bool> option)
    {
        OptionResult? r = result.GetResult(option);
        if (r is null || r.Implicit || r.Errors.Any())
        {
            return false;
        }

        try
        {
            return result.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
