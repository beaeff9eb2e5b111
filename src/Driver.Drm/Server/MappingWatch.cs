using System.Net.Sockets;
using System.Runtime.InteropServices;
using Serilog;

namespace Driver.Drm.Server;

/// <summary>
/// How the server learns that a client's mapping of the device is gone: each successful mmap gets a token, one end
/// of a socket pair whose other end the server keeps. The shim holds the token for as long as the range is mapped
/// and closes it at munmap; fork copies it with the mapping and exit closes it, so the server's end reads EOF exactly
/// when no process maps the range any more (vm_close of the last vma), and the driver's hold is then dropped.
/// </summary>
internal static class MappingWatch
{
    /// <summary>
    /// Watches a new mapping: returns the token fd to send the client (the caller closes its copy once sent), or -1
    /// when no socket pair could be made, in which case <paramref name="hold"/> is kept for the server's lifetime
    /// (the pages stay allocated rather than being reused under a live mapping).
    /// </summary>
    public static unsafe int Start(IDisposable hold, ILogger log)
    {
        int* pair = stackalloc int[2];
        if (LibC.socketpair(LibC.AfUnix, LibC.SockSeqPacket | LibC.SockCloexec, 0, pair) != 0)
        {
            log.Error("drm server: socketpair for a mapping token failed, errno {Errno}", Marshal.GetLastPInvokeError());
            return -1;
        }

        var watched = new Socket(new SafeSocketHandle(pair[0], ownsHandle: true));
        _ = WaitForEof(watched, hold, log);
        return pair[1];
    }

    private static async Task WaitForEof(Socket watched, IDisposable hold, ILogger log)
    {
        // Nothing is ever sent on the pair: the receive ends with 0 bytes at EOF, when the last copy of the token
        // closed. The receive itself is an epoll registration, not a thread per mapping.
        byte[] buffer = new byte[1];
        try
        {
            while (await watched.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (SocketException e)
        {
            log.Verbose("drm server: mapping token ended with {Error}", e.SocketErrorCode);
        }
        finally
        {
            watched.Dispose();
            hold.Dispose();
        }
    }
}
