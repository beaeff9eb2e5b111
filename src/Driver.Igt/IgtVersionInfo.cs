using System.Runtime.InteropServices;

namespace Driver.Igt;

/// <summary>The version banner and the host description IGT prints and igt_runner records.</summary>
public static class IgtVersionInfo
{
    /// <summary>The IGT version this suite reports.</summary>
    public const string Version = "1.28-gpusim";

    /// <summary>"IGT-Version: 1.28-gpusim (x86_64) (Linux: 6.1.0 x86_64)".</summary>
    public static string Banner { get; } = $"IGT-Version: {Version} ({Arch}) ({OsName}: {KernelRelease} {Arch})";

    /// <summary>uname -m.</summary>
    public static string Arch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture.X86 => "i686",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>uname -s.</summary>
    public static string OsName => ReadProc("ostype") ?? (OperatingSystem.IsLinux() ? "Linux" : RuntimeInformation.OSDescription.Split(' ')[0]);

    /// <summary>uname -r.</summary>
    public static string KernelRelease => ReadProc("osrelease") ?? Environment.OSVersion.Version.ToString();

    /// <summary>uname -a (igt_runner's "uname").</summary>
    public static string Uname => $"{OsName} {ReadProc("hostname") ?? Environment.MachineName} {KernelRelease} {ReadProc("version") ?? ""} {Arch}".Replace("  ", " ");

    private static string? ReadProc(string name)
    {
        try
        {
            string path = $"/proc/sys/kernel/{name}";
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
