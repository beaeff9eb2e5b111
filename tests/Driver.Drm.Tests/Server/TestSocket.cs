using System.Buffers.Binary;
using System.Net.Sockets;
using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>A client connection to a <see cref="DrmServer"/> speaking the shim's protocol from C#, for unit tests.</summary>
internal sealed class TestSocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);

    public TestSocket(string path)
    {
        _socket.Connect(new UnixDomainSocketEndPoint(path));
        _socket.ReceiveTimeout = (int)Bound.Long.TotalMilliseconds;
    }

    public static byte[] Request(uint op, ulong token = 0, uint request = 0, ulong arg = 0, ulong length = 0, string path = "", ulong seq = 0, int? pid = null)
    {
        byte[] m = new byte[ShimProtocol.RequestSize];
        BinaryPrimitives.WriteUInt32LittleEndian(m, ShimProtocol.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(4), op);
        BinaryPrimitives.WriteInt32LittleEndian(m.AsSpan(8), pid ?? Environment.ProcessId);
        BinaryPrimitives.WriteInt32LittleEndian(m.AsSpan(12), Environment.CurrentManagedThreadId);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(16), token);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(24), request);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(32), arg);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(40), length);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(48), seq);
        System.Text.Encoding.UTF8.GetBytes(path, m.AsSpan(56));
        return m;
    }

    public void Send(byte[] message) => _socket.Send(message);

    /// <summary>One reply: its status and, for a channel, its token.</summary>
    public (int Status, ulong Token) Receive()
    {
        byte[] buffer = new byte[ShimProtocol.ReplySize + (ShimProtocol.RunSize * ShimProtocol.MaxRuns)];
        int n = _socket.Receive(buffer);
        Assert.True(n >= ShimProtocol.ReplySize, $"short reply: {n} bytes");
        return (BinaryPrimitives.ReadInt32LittleEndian(buffer), BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(16)));
    }

    public void Dispose() => _socket.Dispose();
}
