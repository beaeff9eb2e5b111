using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.ErrorState;

/// <summary>
/// The error state read by an outside tool: IGT's intel_error_decode parses the text i915_gpu_error.c prints
/// (__err_print_to_sgl's header, err_print_pciid's "PCI ID", error_print_engine's register lines, and
/// intel_gpu_error_print_vma's "--- batch =" object with its ':'-marked zlib + ascii85 line) and disassembles the
/// batch with the MI decoder of the PCI ID's generation.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class IntelErrorDecodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-errstate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [IntelErrorDecodeFact]
    public void DecoderReadsTheHangScenariosErrorState()
    {
        RunResult r = new ScenarioRunner(ScenarioLoader.LoadFile(ScenarioFiles.Path("hang-engine-reset"))).Run();
        string file = Path.Combine(_dir, "error");
        File.WriteAllText(file, Assert.Single(r.ErrorStateDumps));

        (int code, string output, string error) = IntelErrorDecode.Run(file);

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.DoesNotContain("decode failed", error);
        string[] lines = output.Split('\n');
        // It recognised the PCI ID and picked gen9's decoder.
        Assert.Contains("PCI ID: 0x1912", lines);
        Assert.Contains("Detected GEN9 chipset", lines);
        // rcs0's registers, with the decoder's own reading of HEAD and CTL under them.
        int cs = Array.IndexOf(lines, "rcs0 command stream:");
        Assert.True(cs >= 0, output);
        Assert.Contains(lines, l => l.StartsWith("  HEAD:  0x", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("    head = 0x", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  TAIL:  0x", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("    len=4096, enabled", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  ACTHD: 0x", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  IPEHR: 0x", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  ESR:   0x", StringComparison.Ordinal));
        // The guilty batch (the hog's non-preemptible spinner), inflated and disassembled into MI commands.
        int batch = Array.FindIndex(lines, l => l.StartsWith("batch (rcs0) at 0x00000000_", StringComparison.Ordinal));
        Assert.True(batch > cs, output);
        string[] mi = lines.Skip(batch + 1).Where(l => l.StartsWith("0x", StringComparison.Ordinal))
            .Select(l => l.Split(": ").Last().Trim()).ToArray();
        Assert.Equal("MI_STORE_DATA_IMM", mi[0]);
        Assert.Contains("MI_BATCH_BUFFER_START", mi);
        Assert.Contains("MI_NOOP", mi);
        // GpuSim's COND_BATCH_BUFFER_END has no entry in this decoder's MI table (docs/observability.md).
        Assert.Contains("MI UNKNOWN", mi);
    }
}
