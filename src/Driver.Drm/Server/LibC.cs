using System.Runtime.InteropServices;

namespace Driver.Drm.Server;

/// <summary>
/// The few libc calls the server needs that .NET does not offer: SOCK_SEQPACKET unix sockets with SCM_RIGHTS, pipes
/// for sync_file fds, and process_vm_readv/writev for the callers' ioctl arguments. Linux x86-64/aarch64 layouts.
/// </summary>
internal static unsafe partial class LibC
{
    public const int AfUnix = 1;
    public const int SockSeqPacket = 5;
    public const int SockCloexec = 0x80000;
    public const int OCloexec = 0x80000;
    public const int SolSocket = 1;
    public const int ScmRights = 1;
    public const int MsgNoSignal = 0x4000;
    public const int ShutRdWr = 2;
    public const int Eintr = 4;
    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x001;
    public const uint EpollErr = 0x008;
    public const int EfdCloexec = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, byte* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* address, void* length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fchmod(int fd, int mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    /// <summary>
    /// sizeof(struct epoll_event): packed on x86-64 (u32 events, u64 data at 4), naturally aligned elsewhere (data at 8).
    /// </summary>
    public static int EpollEventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>Where epoll_event's data field lies (see <see cref="EpollEventSize"/>).</summary>
    public static int EpollDataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint readlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte* buffer, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint process_vm_readv(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint process_vm_writev(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);

    /// <summary>Whether <paramref name="path"/> itself (not a link's target) is a socket: lstat's S_ISSOCK.</summary>
    public static bool IsSocket(string path)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint StatxType = 1, TypeMask = 0xF000, Socket = 0xC000;
        byte* buffer = stackalloc byte[256]; // struct statx; stx_mode is the u16 at 28
        return statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) == 0 && (*(ushort*)(buffer + 28) & TypeMask) == Socket;
    }

    /// <summary>readlink as a string, or null.</summary>
    public static string? ReadLink(string path)
    {
        byte* buffer = stackalloc byte[512];
        nint n = readlink(path, buffer, 511);
        return n <= 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, (int)n);
    }

    /// <summary>
    /// Sends one message with <paramref name="fds"/> attached by SCM_RIGHTS (the kernel installs copies in the
    /// receiver). Returns false when the peer is gone.
    /// </summary>
    public static bool SendWithFds(int socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds)
    {
        // cmsghdr: size_t len, int level, int type, then the fds; CMSG_SPACE rounds to 8.
        int controlLength = fds.Length == 0 ? 0 : 16 + ((fds.Length * 4 + 7) & ~7);
        byte* control = stackalloc byte[Math.Max(controlLength, 8)];
        new Span<byte>(control, Math.Max(controlLength, 8)).Clear();
        if (fds.Length > 0)
        {
            *(nuint*)control = (nuint)(16 + fds.Length * 4);
            *(int*)(control + 8) = SolSocket;
            *(int*)(control + 12) = ScmRights;
            for (int i = 0; i < fds.Length; i++)
            {
                ((int*)(control + 16))[i] = fds[i];
            }
        }
        fixed (byte* p = data)
        {
            var iov = new IoVec { Base = p, Length = (nuint)data.Length };
            var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = fds.Length == 0 ? null : control, ControlLength = (nuint)controlLength };
            while (true)
            {
                nint n = sendmsg(socket, &msg, MsgNoSignal);
                if (n >= 0)
                {
                    return n == data.Length;
                }
                if (Marshal.GetLastPInvokeError() != Eintr)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>
    /// Receives one message; 0 at EOF, negative errno on error. A zero-length SOCK_SEQPACKET message also reads as
    /// 0 bytes, but its sender is still there: it is skipped, so that only the peer's last close (or a shutdown) is
    /// EOF. After the peer has gone (POLLRDHUP) a 0 is EOF, whatever a dead client queued last.
    /// </summary>
    public static int Receive(int socket, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = recv(socket, p, (nuint)buffer.Length, 0);
                if (n > 0 || (n == 0 && PeerGone(socket)))
                {
                    return (int)n;
                }
                if (n == 0)
                {
                    continue; // an empty message from a live peer: malformed, not the end
                }
                int err = Marshal.GetLastPInvokeError();
                if (err != Eintr)
                {
                    return -err;
                }
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    /// <summary>
    /// SO_PASSCRED: from now on every message the peer sends carries its sender's pid (SCM_CREDENTIALS, filled in by
    /// the kernel, so no client can choose it). False when the option could not be set.
    /// </summary>
    public static bool PassCredentials(int socket)
    {
        const int SoPassCred = 16;
        int one = 1;
        return setsockopt(socket, SolSocket, SoPassCred, &one, 4) == 0;
    }

    /// <summary>
    /// <see cref="Receive(int, Span{byte})"/>, with the pid of the process that sent the message
    /// (<paramref name="senderPid"/>; -1 when it carried no SCM_CREDENTIALS, see <see cref="PassCredentials"/>). Any
    /// fds a client attached are closed: nothing the server reads takes them.
    /// </summary>
    public static int Receive(int socket, Span<byte> buffer, out int senderPid)
    {
        const int ControlLength = 1024, MsgCmsgCloexec = 0x40000000;
        byte* control = stackalloc byte[ControlLength];
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var iov = new IoVec { Base = p, Length = (nuint)buffer.Length };
                var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlLength };
                nint n = recvmsg(socket, &msg, MsgCmsgCloexec);
                senderPid = n >= 0 ? TakeControl(control, msg.ControlLength) : -1;
                if (n > 0 || (n == 0 && PeerGone(socket)))
                {
                    return (int)n;
                }
                if (n == 0)
                {
                    continue; // an empty message from a live peer: malformed, not the end
                }
                int err = Marshal.GetLastPInvokeError();
                if (err != Eintr)
                {
                    return -err;
                }
            }
        }
    }

    /// <summary>Walks a received control buffer: the SCM_CREDENTIALS pid (or -1), and closes any SCM_RIGHTS fds.</summary>
    private static int TakeControl(byte* control, nuint length)
    {
        const int ScmCredentials = 2, Header = 16; // cmsghdr: size_t len, int level, int type; data 8-aligned
        int pid = -1;
        nuint at = 0;
        while (at + Header <= length)
        {
            nuint len = *(nuint*)(control + at);
            if (len < Header || at + len > length)
            {
                break;
            }
            int level = *(int*)(control + at + 8), type = *(int*)(control + at + 12);
            byte* data = control + at + Header;
            if (level == SolSocket && type == ScmCredentials && len >= Header + 12)
            {
                pid = *(int*)data; // struct ucred: pid, uid, gid
            }
            else if (level == SolSocket && type == ScmRights)
            {
                for (nuint i = 0; i + 4 <= len - Header; i += 4)
                {
                    close(*(int*)(data + i));
                }
            }
            at += (len + 7) & ~(nuint)7;
        }
        return pid;
    }

    /// <summary>
    /// The pid of the process that connected the socket's peer end (SO_PEERCRED, in the server's pid namespace), as
    /// the kernel recorded it at connect(): what a client writes in its messages cannot change it. -1 on failure.
    /// </summary>
    public static int PeerPid(int socket)
    {
        const int SoPeerCred = 17;
        int* cred = stackalloc int[3]; // struct ucred: pid, uid, gid
        uint length = 12;
        return getsockopt(socket, SolSocket, SoPeerCred, cred, &length) == 0 && length >= 4 && cred[0] > 0 ? cred[0] : -1;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, void* value, uint* length);

    /// <summary>Whether the socket's peer has closed or either end shut it down (unix_dgram_poll's POLLRDHUP).</summary>
    private static bool PeerGone(int socket)
    {
        const short PollIn = 0x1, PollRdHup = 0x2000;
        PollFd pfd = new() { Fd = socket, Events = PollRdHup };
        while (true)
        {
            int n = poll(&pfd, 1, 0);
            if (n >= 0)
            {
                // POLLHUP/POLLERR/POLLNVAL too (a socket that cannot be polled is not read from again); POLLIN
                // alone is only the next message.
                return n > 0 && (pfd.REvents & ~PollIn) != 0;
            }
            if (Marshal.GetLastPInvokeError() != Eintr)
            {
                return true;
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeoutMs);
}
