using System.Diagnostics;

namespace Driver.Drm.Tests.Server;

/// <summary>Builds Native/shim_client.c once and runs its scenarios under the shim against a server.</summary>
internal static class ShimClient
{
    private static readonly Lazy<string> s_binary = new(Compile);

    /// <summary>The shim library in the test output.</summary>
    public static string ShimPath => Path.Combine(AppContext.BaseDirectory, "libgpusim-drm-shim.so");

    /// <summary>Why the end-to-end tests cannot run here, or null.</summary>
    public static string? SkipReason =>
        RepoPaths.FindOnPath("cc") is null ? "no C compiler (cc) on PATH: the DRM shim and its test client cannot be built"
        : !File.Exists(ShimPath) ? $"the DRM shim was not built ({ShimPath} is missing)"
        : null;

    private static string Compile()
    {
        string dir = Directory.CreateTempSubdirectory("gpusim-shim-client-").FullName;
        string output = Path.Combine(dir, "shim_client");
        string source = Path.Combine(AppContext.BaseDirectory, "Native", "shim_client.c");
        (int code, string text) = Run("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-o", output, source, "-lpthread"], null);
        Assert.True(code == 0, $"cc failed: {text}");
        return output;
    }

    /// <summary>Compiles <paramref name="source"/> (C11) and runs it; its exit code and output.</summary>
    public static (int Code, string Output) CompileAndRun(string source)
    {
        string dir = Directory.CreateTempSubdirectory("gpusim-shim-c-").FullName;
        string c = Path.Combine(dir, "probe.c"), exe = Path.Combine(dir, "probe");
        File.WriteAllText(c, source);
        (int code, string text) = Run("cc", ["-std=c11", "-Wall", "-Werror", "-o", exe, c], null);
        return code != 0 ? (code, text) : Run(exe, [], null);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> s_others = new();

    /// <summary>
    /// Runs another client, Native/<paramref name="name"/>.c (built once), with the shim preloaded and
    /// <paramref name="scenario"/> as its argument; its exit code and output.
    /// </summary>
    public static (int Code, string Output) Other(string name, string socketPath, string scenario)
    {
        string binary = s_others.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            string dir = Directory.CreateTempSubdirectory("gpusim-shim-client-").FullName;
            string output = Path.Combine(dir, n);
            (int code, string text) = Run("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-o", output,
                Path.Combine(AppContext.BaseDirectory, "Native", n + ".c")], null);
            Assert.True(code == 0, $"cc failed: {text}");
            return output;
        })).Value;
        return Run(binary, [scenario], new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = ShimPath,
            ["GPUSIM_DRM_SOCKET"] = socketPath,
        });
    }

    /// <summary>Runs a tool (the compiler) without the shim; its exit code and output.</summary>
    public static (int Code, string Output) RunTool(string file, string[] args) => Run(file, args, null);

    /// <summary>Runs one scenario with the shim preloaded; its exit code and output.</summary>
    public static (int Code, string Output) Scenario(string socketPath, string scenario) =>
        Run(s_binary.Value, [scenario], new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = ShimPath,
            ["GPUSIM_DRM_SOCKET"] = socketPath,
        });

    private static (int Code, string Output) Run(string file, string[] args, Dictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach ((string k, string v) in env ?? [])
        {
            psi.Environment[k] = v;
        }
        using Process p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Bound.Long * 3))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, $"{file} {string.Join(' ', args)} did not finish in {(Bound.Long * 3).TotalSeconds} s\n{stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
