using System.Text;

namespace Driver.Sim.Cli;

/// <summary>
/// Output files named on the command line. They are checked before any work (<see cref="Outputs"/>), so a typo in a
/// path costs nothing, and written at the end through a temporary file renamed over the target, so a run that is
/// skipped, fails or crashes leaves an existing file as it was instead of empty. <c>-</c> names standard output.
/// </summary>
internal static class OutputFile
{
    /// <summary>The path that means standard output.</summary>
    public const string Stdout = "-";

    /// <summary>Why a file cannot be written at <paramref name="path"/>, or null when it can. Changes nothing there.</summary>
    public static string? Problem(string path)
    {
        if (path.Length == 0)
        {
            return "the path is empty";
        }

        try
        {
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                return "it is a directory";
            }

            string? dir = Path.GetDirectoryName(full);
            if (dir is null)
            {
                return "not a file path";
            }

            if (File.Exists(dir))
            {
                return $"'{dir}' is a file, not a directory";
            }

            if (!Directory.Exists(dir))
            {
                return $"no such directory '{dir}'";
            }

            return Probe(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Why <paramref name="path"/> cannot be a directory to write into, or null when it can; creates it (and its
    /// parents) when missing, as igt_runner does with its results directory.
    /// </summary>
    public static string? DirectoryProblem(string path)
    {
        if (path.Length == 0)
        {
            return "the path is empty";
        }

        try
        {
            string full = Path.GetFullPath(path);
            if (File.Exists(full))
            {
                return "it is an existing file, not a directory";
            }

            // Name the part of the path that is in the way, not the exception's view of it.
            for (string? up = Path.GetDirectoryName(full); up is not null && !Directory.Exists(up); up = Path.GetDirectoryName(up))
            {
                if (File.Exists(up))
                {
                    return $"'{up}' is a file, not a directory";
                }
            }
            Directory.CreateDirectory(full);
            return Probe(full);
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied";
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            return "the directory cannot be created there";
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (UTF-8, no BOM), or to <paramref name="stdout"/> for <c>-</c>.</summary>
    public static void WriteAllText(string path, string text, TextWriter stdout) =>
        Write(path, stream =>
        {
            byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
            stream.Write(bytes);
        }, stdout);

    /// <summary>
    /// Writes what <paramref name="write"/> puts in a stream to <paramref name="path"/>: into a temporary file in the
    /// same directory, then renamed over the target (a rename within a directory replaces the file whole), or to
    /// <paramref name="stdout"/> as UTF-8 text for <c>-</c>.
    /// </summary>
    public static void Write(string path, Action<Stream> write, TextWriter stdout)
    {
        if (path == Stdout)
        {
            using var buffer = new MemoryStream();
            write(buffer);
            stdout.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            stdout.Flush();
            return;
        }
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                write(stream);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Whether a file can be created in <paramref name="dir"/>: creates one and deletes it again.</summary>
    private static string? Probe(string dir)
    {
        try
        {
            using var _ = new FileStream(Path.Combine(dir, $".gpusim-probe.{Environment.ProcessId}.tmp"), FileMode.Create, FileAccess.Write,
                FileShare.None, 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return $"permission denied in '{dir}'";
        }
        catch (IOException e)
        {
            return $"cannot create files in '{dir}' ({e.Message})";
        }
    }
}
