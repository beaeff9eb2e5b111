using System.IO.Compression;

namespace Driver.Reset.Capture;

/// <summary>
/// How i915 writes a captured object into the error state (i915_vma_coredump as printed by
/// intel_gpu_error_print_vma, built by compress_page/compress_flush under CONFIG_DRM_I915_COMPRESS_ERROR): the
/// object's bytes deflated into one zlib stream, padded with zero bytes to whole dwords, ascii85-encoded on one line
/// that starts with ':' (the compression marker; '~' marks an uncompressed object).
/// </summary>
public static class ErrorObjectCodec
{
    /// <summary>The marker of a zlib-compressed object line.</summary>
    public const char CompressedMarker = ':';

    /// <summary>The marker of an uncompressed object line.</summary>
    public const char RawMarker = '~';

    /// <summary>The object line (without its newline) for <paramref name="dwords"/>.</summary>
    public static string Encode(IReadOnlyList<uint> dwords)
    {
        byte[] raw = new byte[dwords.Count * 4];
        for (int i = 0; i < dwords.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(i * 4), dwords[i]);
        }

        using var packed = new MemoryStream();
        using (var z = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(raw);
        }

        return CompressedMarker + Ascii85.Encode(packed.ToArray());
    }

    /// <summary>The dwords of an object line written by <see cref="Encode"/> (or an uncompressed '~' line).</summary>
    public static uint[] Decode(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length == 0 || (line[0] != CompressedMarker && line[0] != RawMarker))
        {
            throw new FormatException("an object line starts with ':' or '~'");
        }

        uint[] words = Ascii85.Decode(line.AsSpan(1));
        if (line[0] == RawMarker)
        {
            return words;
        }

        byte[] packed = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(packed.AsSpan(i * 4), words[i]);
        }

        using var input = new MemoryStream(packed);
        using var z = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        z.CopyTo(output);
        byte[] raw = output.ToArray();
        uint[] dwords = new uint[raw.Length / 4];
        for (int i = 0; i < dwords.Length; i++)
        {
            dwords[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(i * 4));
        }

        return dwords;
    }
}
