using System.Diagnostics;
using System.Text.RegularExpressions;
using Driver.Testing.Vulkan;

namespace Driver.Engines.Vulkan.Tests;

public partial class ShaderTests
{
    [GlslangFact]
    public void CommittedSpirvMatchesAFreshCompile()
    {
        string outDir = Directory.CreateTempSubdirectory("gpusim-spv").FullName;
        try
        {
            foreach (string name in ShaderLibrary.Names)
            {
                string fresh = Path.Combine(outDir, name + ".spv");
                var psi = new ProcessStartInfo(RepoPaths.FindOnPath("glslangValidator")!, ["-V", Path.Combine(RepoPaths.Shaders, name + ".comp"), "-o", fresh])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                using Process p = Process.Start(psi)!;
                Assert.True(p.WaitForExit(30_000), "glslangValidator did not finish");
                Assert.True(p.ExitCode == 0, $"{name}.comp does not compile: {p.StandardOutput.ReadToEnd()}{p.StandardError.ReadToEnd()}");
                byte[] committed = File.ReadAllBytes(Path.Combine(RepoPaths.Shaders, name + ".spv"));
                Assert.True(SameSpirv(committed, File.ReadAllBytes(fresh)), $"{name}.spv is stale: run scripts/compile-shaders.sh");
                // What is embedded is what is committed.
                Assert.Equal(committed, ShaderLibrary.LoadBytes(name));
            }
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>Equal, ignoring the generator word (word 2: the compiler's id and version).</summary>
    private static bool SameSpirv(byte[] a, byte[] b)
    {
        if (a.Length != b.Length || a.Length < 20)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if ((i < 8 || i >= 12) && a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void EveryKernelIsEmbeddedAsSpirv()
    {
        foreach (string name in ShaderLibrary.Names)
        {
            Assert.Equal(0x07230203u, ShaderLibrary.Load(name)[0]);
        }
    }

    [Fact]
    public void TheArenaLayoutAgreesWithTheShaders()
    {
        if (RepoPaths.Root is null)
        {
            return; // outside a checkout there is no source to compare with
        }

        string glsl = File.ReadAllText(Path.Combine(RepoPaths.Shaders, "arena.glsl"));
        var constants = ConstantPattern().Matches(glsl).ToDictionary(m => m.Groups[1].Value, m => uint.Parse(m.Groups[2].Value));
        var expected = new Dictionary<string, uint>
        {
            ["CTL_ABORT"] = ArenaLayout.CtlAbort,
            ["CTL_HALT"] = ArenaLayout.CtlHalt,
            ["CTL_EXIT_COND"] = ArenaLayout.CtlExitCond,
            ["CTL_STORES_DONE"] = ArenaLayout.CtlStoresDone,
            ["CTL_SPIN_ITERS"] = ArenaLayout.CtlSpinIters,
            ["CTL_WORK_SINK"] = ArenaLayout.CtlWorkSink,
            ["CTL_DISPATCHES"] = ArenaLayout.CtlDispatches,
            ["CTL_RESUME"] = ArenaLayout.CtlResume,
            ["CTL_WORK_DONE"] = ArenaLayout.CtlWorkDone,
            ["HALT_ENDED"] = ArenaLayout.HaltEnded,
            ["HALT_ABORTED"] = ArenaLayout.HaltAborted,
            ["HALT_CAPPED"] = ArenaLayout.HaltCapped,
            ["HALT_YIELD"] = ArenaLayout.HaltYield,
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key), constants.OrderBy(kv => kv.Key));
        Assert.True(ArenaLayout.CtlWorkDone < ArenaLayout.ControlWords);
        // The shaders' compare ops are the ISA's.
        Assert.Equal(5, (int)Driver.Engines.Isa.CompareOp.NotEqual);
    }

    [GeneratedRegex(@"const uint (\w+) = (\d+)u;")]
    private static partial Regex ConstantPattern();
}
