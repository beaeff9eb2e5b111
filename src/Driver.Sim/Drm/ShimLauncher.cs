using System.Diagnostics;

namespace Driver.Sim.Drm;

/// <summary>Finds the DRM shim and starts a client process under it.</summary>
internal static class ShimLauncher
{
    /// <summary>Overrides where the shim library is (default: next to gpusim).</summary>
    public const string ShimVariable = "GPUSIM_DRM_SHIM";

    /// <summary>The socket variable the shim reads.</summary>
    public const string SocketVariable = "GPUSIM_DRM_SOCKET";

    /// <summary>IGT's multiprocess allocator queues more than the default 16 KiB msgmnb holds.</summary>
    public const int MsgMnb = 1 << 20;

    /// <summary>The shim library's path (it may not exist: gpusim was built without a C compiler).</summary>
    public static string ShimPath =>
        Environment.GetEnvironmentVariable(ShimVariable) is { Length: > 0 } p ? p : Path.Combine(AppContext.BaseDirectory, "libgpusim-drm-shim.so");

    /// <summary>
    /// True when this process may make an IPC namespace and raise its msgmnb (root, or CAP_SYS_ADMIN): then the client
    /// runs under <c>unshare -i</c>, so the host's limits stay as they are.
    /// </summary>
    public static bool CanUseIpcNamespace { get; } = Probe();

    private static bool Probe()
    {
        if (RepoPathsFind("unshare") is null)
        {
            return false;
        }
        try
        {
            using var p = Process.Start(new ProcessStartInfo("unshare", ["-i", "sh", "-c", $"echo {MsgMnb} > /proc/sys/kernel/msgmnb"])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            });
            if (p is null || !p.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                p?.Kill();
                return false;
            }
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>The host's msgmnb, or -1 when it cannot be read.</summary>
    public static int HostMsgMnb()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/msgmnb").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    /// <summary>The start info for <paramref name="binary"/> with <paramref name="args"/> under the shim.</summary>
    public static ProcessStartInfo StartInfo(string binary, IReadOnlyList<string> args, string socketPath, bool ipcNamespace)
    {
        ProcessStartInfo psi;
        if (ipcNamespace)
        {
            // A private IPC namespace with a raised msgmnb, then exec the test: only the test sees the change.
            psi = new ProcessStartInfo("unshare", ["-i", "sh", "-c", $"echo {MsgMnb} > /proc/sys/kernel/msgmnb && exec \"$0\" \"$@\"", binary, .. args]);
        }
        else
        {
            psi = new ProcessStartInfo(binary, args);
        }
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.Environment["LD_PRELOAD"] = ShimPath;
        psi.Environment[SocketVariable] = socketPath;
        return psi;
    }

    private static string? RepoPathsFind(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}
