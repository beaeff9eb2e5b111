namespace Driver.Sim.Tests.ErrorState;

/// <summary>
/// A fact that runs only where IGT's intel_error_decode is installed (Debian's intel-gpu-tools package, which
/// .ci/run installs when it can); elsewhere it is skipped with the reason (xunit 2 has no dynamic skip).
/// </summary>
public sealed class IntelErrorDecodeFactAttribute : FactAttribute
{
    /// <summary>Looks the tool up on PATH and skips when it is missing.</summary>
    public IntelErrorDecodeFactAttribute()
    {
        if (IntelErrorDecode.Path is null)
        {
            Skip = $"{IntelErrorDecode.ToolName} is not installed (not on PATH); install Debian/Ubuntu's intel-gpu-tools package";
        }
    }
}

/// <summary>Finds and runs intel_error_decode.</summary>
internal static class IntelErrorDecode
{
    /// <summary>The tool's file name.</summary>
    public const string ToolName = "intel_error_decode";

    /// <summary>The tool's full path, or null when it is not on PATH.</summary>
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        foreach (string dir in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(dir, ToolName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Decodes <paramref name="file"/>; returns the exit code, standard output and standard error.</summary>
    public static (int Code, string Output, string Error) Run(string file)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Path ?? ToolName, [file])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{ToolName} {file} did not finish in 60 s");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
