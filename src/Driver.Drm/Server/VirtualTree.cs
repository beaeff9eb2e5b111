namespace Driver.Drm.Server;

/// <summary>
/// The device's debugfs, sysfs and module-parameter files as a real directory tree (IGT lists directories with
/// getdents64 and opens files relative to directory fds, so the directories must exist). The shim rewrites the real
/// paths into it; the server refreshes a file's snapshot when a process opens it for reading and turns each write()
/// into <see cref="IDrmDriver.WriteVirtualFile"/>. Layout (docs/drm-shim.md): debug/dri/0 = debugfs/, sysfs = sysfs/,
/// module = module/, plus kmsg and the ftrace markers as plain sinks.
/// </summary>
internal sealed class VirtualTree
{
    private static readonly (string Prefix, string Dir)[] s_roots =
    [
        ("debugfs/", "debug/dri/0"),
        ("sysfs/", "sysfs"),
        ("module/", "module"),
    ];

    /// <summary>The virtual path of /dev/kmsg: its writes go to <see cref="KernelLog"/>, not to the driver.</summary>
    public const string Kmsg = "kmsg";

    private readonly IDrmDriver _driver;
    private readonly HashSet<string> _files;

    public VirtualTree(IDrmDriver driver, string root, Action<string>? kernelLog = null)
    {
        _driver = driver;
        KernelLog = kernelLog ?? (_ => { });
        Root = root;
        _files = new HashSet<string>(driver.VirtualFiles, StringComparer.Ordinal);
        foreach ((_, string dir) in s_roots)
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }
        Directory.CreateDirectory(Path.Combine(root, ".staging"));
        Directory.CreateDirectory(Path.Combine(root, "tracing"));
        Directory.CreateDirectory(Path.Combine(root, "debug", "tracing"));
        File.WriteAllBytes(Path.Combine(root, "tracing", "trace_marker"), []);
        File.WriteAllBytes(Path.Combine(root, "debug", "tracing", "trace_marker"), []);
        File.WriteAllBytes(Path.Combine(root, "kmsg"), []);
        // The render node's debugfs directory is the card's (IGT matches them by their name file).
        File.CreateSymbolicLink(Path.Combine(root, "debug", "dri", "128"), "0");
        foreach (string file in _files)
        {
            if (RealPath(file) is { } real)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(real)!);
                Refresh(file, real);
            }
        }
    }

    /// <summary>Where lines written to /dev/kmsg go (IGT marks each subtest's start and end there).</summary>
    public Action<string> KernelLog { get; }

    /// <summary>The tree's directory.</summary>
    public string Root { get; }

    /// <summary>Where the driver's <paramref name="virtualPath"/> lives on disk, or null for a path outside the roots.</summary>
    public string? RealPath(string virtualPath)
    {
        foreach ((string prefix, string dir) in s_roots)
        {
            if (virtualPath.StartsWith(prefix, StringComparison.Ordinal) && virtualPath.Length > prefix.Length && !virtualPath.Contains("..", StringComparison.Ordinal))
            {
                return Path.Combine(Root, dir, virtualPath[prefix.Length..]);
            }
        }
        return null;
    }

    /// <summary>
    /// An open of <paramref name="virtualPath"/> with open(2) <paramref name="flags"/>: a reader gets a fresh snapshot
    /// (written beside the file and renamed over it, so a reader that opened earlier keeps its own). 0 or a negative
    /// errno; a path that is not a driver file is left to the file system.
    /// </summary>
    public int Open(string virtualPath, int flags)
    {
        const int OAccMode = 3, OWrOnly = 1;
        if (!_files.Contains(virtualPath) || RealPath(virtualPath) is not { } real || (flags & OAccMode) == OWrOnly)
        {
            return 0;
        }
        return Refresh(virtualPath, real);
    }

    /// <summary>One write() to a driver file: the bytes consumed or a negative errno.</summary>
    public int Write(string virtualPath, ReadOnlySpan<byte> data)
    {
        if (virtualPath == Kmsg)
        {
            // devkmsg_write: one record per write, an optional "<level>" prefix.
            string line = System.Text.Encoding.UTF8.GetString(data).TrimEnd('\n');
            KernelLog(line.Length > 2 && line[0] == '<' && line.IndexOf('>') is > 0 and < 5 and int end ? line[(end + 1)..] : line);
            return data.Length;
        }
        return _files.Contains(virtualPath) ? _driver.WriteVirtualFile(virtualPath, data) : -2; // ENOENT
    }

    private int Refresh(string virtualPath, string real)
    {
        int status = _driver.ReadVirtualFile(virtualPath, out byte[] content);
        if (status < 0)
        {
            if (!File.Exists(real))
            {
                File.WriteAllBytes(real, []);
            }
            return status;
        }
        // Staged outside the listed directories, so a getdents64 never sees a half-written file.
        string temp = Path.Combine(Root, ".staging", Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(temp, content);
        File.Move(temp, real, overwrite: true);
        return 0;
    }
}
