using System.CommandLine;
using System.Text.Json;
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
        var heartbeat = new Option<int?>("--heartbeat-ms") { Description = "Heartbeat interval (0 disables hang detection)", HelpName = "MS" };
        var preempt = new Option<int?>("--preempt-timeout-ms") { Description = "Preempt timeout", HelpName = "MS" };
        var engineReset = new Option<bool>("--engine-reset") { Description = "Per-engine reset available" };
        var noEngineReset = new Option<bool>("--no-engine-reset") { Description = "No per-engine reset: every hang is a full reset" };
        var fullReset = new Option<bool>("--full-reset") { Description = "Full reset available" };
        var noFullReset = new Option<bool>("--no-full-reset") { Description = "No full reset: a hang the engine reset cannot fix wedges" };
        var memory = new Option<int?>("--memory-mb") { Description = "Device memory", HelpName = "MB" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };

        var command = new Command("info", "Show the device as configured: engines, GGTT, hang detection, reset capabilities, wedge strategy");
        foreach (Option o in new Option[] { scenario, wedge, heartbeat, preempt, engineReset, noEngineReset, fullReset, noFullReset, memory, json })
        {
            command.Options.Add(o);
        }

        command.Validators.Add(result =>
        {
            if (result.GetValue(engineReset) && result.GetValue(noEngineReset))
            {
                result.AddError("--engine-reset and --no-engine-reset contradict each other");
            }

            if (result.GetValue(fullReset) && result.GetValue(noFullReset))
            {
                result.AddError("--full-reset and --no-full-reset contradict each other");
            }

            foreach (Option<int?>? o in new[] { heartbeat, preempt, memory })
            {
                if (result.GetValue(o) is < 0)
                {
                    result.AddError($"{o.Name} must not be negative");
                }
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
                foreach (string line in e.Message.Split(Environment.NewLine))
                {
                    stderr.WriteLine($"gpusim: {line}");
                }

                return ExitCodes.Usage;
            }
            spec = spec with
            {
                HeartbeatMs = parse.GetValue(heartbeat) ?? spec.HeartbeatMs,
                PreemptTimeoutMs = parse.GetValue(preempt) ?? spec.PreemptTimeoutMs,
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

    /// <summary>One object per section, keyed by title; each line a string value.</summary>
    public static void WriteJson(IReadOnlyList<InfoSection> sections, TextWriter output)
    {
        var doc = sections.ToDictionary(s => s.Title, s => s.Lines.ToDictionary(l => l.Key, l => l.Value));
        output.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
