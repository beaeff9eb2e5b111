using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Driver.Engines.Vulkan;
using Driver.Sim.Cli;

namespace Driver.Sim.Vulkan;

/// <summary>
/// <c>gpusim vulkan-smoke [--vk-device N] [--json FILE]</c>: lists the Vulkan devices, then runs the backend's smoke
/// steps on one — store-dword batch verified in GPU memory, a dependent chain across two engines, a spinner started
/// and ended, a forced hang that recovers (guilty -EIO, the rest completed), an injected device loss, an
/// untranslatable batch — printing PASS/FAIL and the time of each step and the validation layer's error count.
/// Exit 0 all passed (and no validation error), 1 something failed, 2 bad options, 77 skipped (no Vulkan loader
/// or device, or no device with the index asked for).
/// </summary>
public static class VulkanSmokeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        Option<int?> device = NumberOptions.Int("--vk-device", 0, 63, "Physical device index (default: a discrete GPU first, any device with compute last); one this machine lacks is a skip (77)");
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to FILE ('-' for stdout; the report then goes to stderr)", HelpName = "FILE" };
        var cmd = new Command("vulkan-smoke", "Run the Vulkan backend's smoke test (exit 77 when no Vulkan device is present)");
        cmd.Options.Add(device);
        cmd.Options.Add(json);
        cmd.SetAction(pr => Run(pr.GetValue(device), pr.GetValue(json), pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error));
        return cmd;
    }

    /// <summary>Runs the smoke test, prints the report, writes the JSON; returns the exit code.</summary>
    public static int Run(int? deviceIndex, string? jsonPath, TextWriter output, TextWriter error)
    {
        Outputs outputs = new Outputs().File("--json", "report", jsonPath);
        if (!outputs.Check(error))
        {
            return ExitCodes.Usage;
        }
        TextWriter text = outputs.UsesStdout ? error : output;
        VulkanSmokeReport report = VulkanSmoke.Run(new VulkanSmokeOptions { DeviceIndex = deviceIndex });
        Print(report, text);
        if (report.SkipReason is not null)
        {
            CliMessages.Skipped(error, report.SkipReason);
        }

        if (report.Error is not null)
        {
            CliMessages.Error(error, report.Error);
        }

        if (jsonPath is not null)
        {
            OutputFile.WriteAllText(jsonPath, ToJson(report) + Environment.NewLine, output);
        }
        return report.ExitCode;
    }

    /// <summary>The text report.</summary>
    public static void Print(VulkanSmokeReport report, TextWriter o)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        o.WriteLine($"gpusim vulkan-smoke — {report.Date.ToString("yyyy-MM-dd HH:mm:ss'Z'", inv)}");
        o.WriteLine(report.Devices.Count == 0 ? "Vulkan devices: none" : "Vulkan devices:");
        foreach (VulkanPhysicalDeviceInfo d in report.Devices)
        {
            string mark = report.Device?.Index == d.Index ? "  <- selected" : "";
            o.WriteLine($"  [{d.Index}] {d.Name} | driver {d.Driver} | Vulkan {d.ApiVersion} | type {d.Type}{mark}");
        }
        if (report.SkipReason is not null)
        {
            o.WriteLine($"SKIP: {report.SkipReason}");
            return;
        }
        if (report.Device is not null)
        {
            o.WriteLine(string.Format(inv, "Setup: {0:0} ms (instance, device, kernels, calibration: work {1:0.0} units/µs, spin {2:0.00} polls/µs); validation layer {3}",
                report.SetupMilliseconds, report.WorkUnitsPerMicrosecond, report.SpinPollsPerMicrosecond, report.ValidationLayer ? "on" : "NOT INSTALLED"));
        }
        foreach (VulkanSmokeStep s in report.Steps)
        {
            o.WriteLine(string.Format(inv, "  {0}  {1,-16} {2,8:0.0} ms  {3}", s.Passed ? "PASS" : "FAIL", s.Name, s.Milliseconds, s.Detail));
        }

        if (report.Error is not null)
        {
            o.WriteLine($"ERROR: {report.Error}");
        }

        o.WriteLine(report.ValidationLayer
            ? $"Validation: {report.ValidationErrors} errors, {report.ValidationWarnings} warnings"
            : "Validation: layer not installed (vulkan-validationlayers), errors not checked");
        foreach (string m in report.ValidationMessages)
        {
            o.WriteLine($"  {m}");
        }

        o.WriteLine($"Result: {(report.Passed ? "PASS" : "FAIL")} ({report.Steps.Count(s => s.Passed)}/{report.Steps.Count} steps, exit {report.ExitCode})");
    }

    /// <summary>The JSON report (camelCase, indented).</summary>
    public static string ToJson(VulkanSmokeReport report) => JsonSerializer.Serialize(report, s_json);

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
