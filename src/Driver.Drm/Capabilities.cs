using System.Globalization;

namespace Driver.Drm;

/// <summary>
/// The Linux capabilities i915's ioctls check (include/uapi/linux/capability.h numbers), and how a process's effective
/// set is read: the CapEff line of /proc/PID/status, a hex mask with bit N for capability N.
/// </summary>
public static class Capabilities
{
    /// <summary>CAP_SYS_ADMIN: GET_RESET_STATS's reset_count, clearing a context's BANNABLE.</summary>
    public const int SysAdmin = 21;

    /// <summary>CAP_SYS_NICE: raising a context's priority above the default.</summary>
    public const int SysNice = 23;

    /// <summary>
    /// Whether process <paramref name="pid"/>'s effective set holds <paramref name="capability"/>; false when the
    /// process is gone or its status cannot be read (a dead caller is privileged for nothing).
    /// </summary>
    public static bool Effective(int pid, int capability)
    {
        string? status;
        try
        {
            status = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        return TryParseCapEff(status, out ulong mask) && (mask & (1ul << capability)) != 0;
    }

    /// <summary>The CapEff mask of a /proc/PID/status text; false when the line is missing or malformed.</summary>
    public static bool TryParseCapEff(string status, out ulong mask)
    {
        ArgumentNullException.ThrowIfNull(status);
        mask = 0;
        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
            {
                return ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mask);
            }
        }

        return false;
    }
}
