using System.Buffers.Binary;
using System.Text;

namespace Driver.Drm.Server;

/// <summary>
/// The shim's wire format (native/drm-shim/shim.h; docs/drm-shim.md): fixed-size little-endian records on
/// SOCK_SEQPACKET sockets, one request or reply per message.
/// </summary>
internal static class ShimProtocol
{
    public const uint Magic = 0x4d495347;
    public const int PathMax = 256;
    public const int MaxFds = 8;
    public const int MaxRuns = 1024;

    /// <summary>sizeof(struct shim_request).</summary>
    public const int RequestSize = 56 + PathMax;

    /// <summary>sizeof(struct shim_reply), without the runs that follow it.</summary>
    public const int ReplySize = 24 + (8 * MaxFds) + PathMax;

    public const int RunSize = 16;

    public const uint OpFile = 1;
    public const uint OpChannel = 2;
    public const uint OpIoctl = 3;
    public const uint OpMmap = 4;
    public const uint OpSyncIoctl = 5;
    public const uint OpVfileOpen = 6;
    public const uint OpVfileWrite = 7;
    public const uint OpInterrupt = 8;

    /// <summary>On a new connection: it is a udev monitor (UeventMonitors); numbered apart from the other ops.</summary>
    public const uint OpUeventMonitor = 16;

    /// <summary>
    /// The mode of every pipe the server hands out as a file (sync_file, syncobj, dma-buf): 0640, where pipe(2) makes
    /// 0600. The shim's read() knows such a pipe by it and fails EINVAL, as none of those files has a read method.
    /// </summary>
    public const int FilePipeMode = 0x1A0;

    /// <summary>Parses a request, or null when it is malformed (wrong size or magic).</summary>
    public static ShimRequest? Parse(ReadOnlySpan<byte> m)
    {
        if (m.Length != RequestSize || BinaryPrimitives.ReadUInt32LittleEndian(m) != Magic)
        {
            return null;
        }
        ReadOnlySpan<byte> path = m.Slice(56, PathMax);
        int end = path.IndexOf((byte)0);
        return new ShimRequest(
            Op: BinaryPrimitives.ReadUInt32LittleEndian(m[4..]),
            Pid: BinaryPrimitives.ReadInt32LittleEndian(m[8..]),
            Tid: BinaryPrimitives.ReadInt32LittleEndian(m[12..]),
            Token: BinaryPrimitives.ReadUInt64LittleEndian(m[16..]),
            Request: BinaryPrimitives.ReadUInt32LittleEndian(m[24..]),
            Fd: BinaryPrimitives.ReadInt32LittleEndian(m[28..]),
            Arg: BinaryPrimitives.ReadUInt64LittleEndian(m[32..]),
            Length: BinaryPrimitives.ReadUInt64LittleEndian(m[40..]),
            Seq: BinaryPrimitives.ReadUInt64LittleEndian(m[48..]),
            Path: Encoding.UTF8.GetString(end < 0 ? path : path[..end]));
    }

    /// <summary>Builds a reply: status, the fds' patch addresses, the channel's token and tree root, the arena runs.</summary>
    public static byte[] Reply(int status, IReadOnlyList<ulong>? patches = null, ulong token = 0, string? root = null, IReadOnlyList<ArenaRun>? runs = null, int fdCount = -1)
    {
        int nruns = runs?.Count ?? 0;
        byte[] m = new byte[ReplySize + (nruns * RunSize)];
        Span<byte> s = m;
        int nfds = fdCount >= 0 ? fdCount : patches?.Count ?? 0;
        BinaryPrimitives.WriteInt32LittleEndian(s, status);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], Environment.ProcessId);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], (uint)nfds);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], (uint)nruns);
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], token);
        for (int i = 0; patches is not null && i < patches.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s[(24 + (8 * i))..], patches[i]);
        }
        if (root is not null)
        {
            Encoding.UTF8.GetBytes(root, s.Slice(24 + (8 * MaxFds), PathMax - 1));
        }
        for (int i = 0; i < nruns; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s[(ReplySize + (RunSize * i))..], runs![i].ArenaOffset);
            BinaryPrimitives.WriteInt64LittleEndian(s[(ReplySize + (RunSize * i) + 8)..], runs[i].Length);
        }
        return m;
    }
}
