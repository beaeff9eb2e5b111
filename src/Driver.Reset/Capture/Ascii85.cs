namespace Driver.Reset.Capture;

/// <summary>
/// The ascii85 variant of i915's error state (include/linux/ascii85.h as i915_gpu_error.c uses it): each
/// little-endian dword of an object becomes five characters '!'..'u', most significant digit first, or the single
/// character 'z' when the dword is zero. There is no framing and no partial group: objects are whole dwords.
/// </summary>
public static class Ascii85
{
    private const int Radix = 85;
    private const char Base = '!';

    /// <summary>One dword's encoding: "z" for zero, else five characters.</summary>
    public static string Encode(uint value)
    {
        if (value == 0)
        {
            return "z";
        }

        Span<char> digits = stackalloc char[5];
        for (int i = 4; i >= 0; i--)
        {
            digits[i] = (char)(Base + (value % Radix));
            value /= Radix;
        }
        return new string(digits);
    }

    /// <summary>Encodes <paramref name="bytes"/> as little-endian dwords, the last one padded with zero bytes.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var sb = new System.Text.StringBuilder((bytes.Length + 3) / 4 * 5);
        for (int i = 0; i < bytes.Length; i += 4)
        {
            uint v = 0;
            for (int b = 0; b < 4 && i + b < bytes.Length; b++)
            {
                v |= (uint)bytes[i + b] << (8 * b);
            }

            sb.Append(Encode(v));
        }
        return sb.ToString();
    }

    /// <summary>
    /// Decodes dwords up to the first character outside '!'..'z' (as intel_error_decode reads a line); throws
    /// <see cref="FormatException"/> on a truncated group.
    /// </summary>
    public static uint[] Decode(ReadOnlySpan<char> text)
    {
        var words = new List<uint>(text.Length / 5 + 1);
        int i = 0;
        while (i < text.Length && text[i] >= '!' && text[i] <= 'z')
        {
            if (text[i] == 'z')
            {
                words.Add(0);
                i++;
                continue;
            }

            if (i + 5 > text.Length)
            {
                throw new FormatException($"truncated ascii85 group at {i}");
            }

            ulong v = 0;
            for (int d = 0; d < 5; d++)
            {
                char c = text[i + d];
                if (c < '!' || c > 'u')
                {
                    throw new FormatException($"'{c}' at {i + d} is not an ascii85 digit");
                }

                v = v * Radix + (uint)(c - Base);
            }
            if (v > uint.MaxValue)
            {
                throw new FormatException($"ascii85 group at {i} overflows a dword");
            }

            words.Add((uint)v);
            i += 5;
        }
        return words.ToArray();
    }
}
