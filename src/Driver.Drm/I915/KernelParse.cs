using System.Globalization;
using Driver.Core.Errors;

namespace Driver.Drm.I915;

/// <summary>
/// The kernel's string-to-number parsers as sysfs and debugfs stores use them: kstrtoull / kstrtouint with base 0
/// (0x hex, leading 0 octal, else decimal; one trailing newline allowed) and kstrtobool.
/// </summary>
public static class KernelParse
{
    /// <summary>kstrtoull(s, 0): 0, -EINVAL for anything not a number, -ERANGE (as -EINVAL's neighbour 34) on overflow.</summary>
    public static int ToULong(string text, out ulong value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = 0;
        string s = text.EndsWith('\n') ? text[..^1] : text;
        if (s.StartsWith('+'))
        {
            s = s[1..];
        }

        int radix = 10;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            radix = 16;
            s = s[2..];
        }
        else if (s.Length > 1 && s[0] == '0')
        {
            radix = 8;
            s = s[1..];
        }

        if (s.Length == 0)
        {
            return -Errno.EINVAL;
        }

        foreach (char ch in s)
        {
            int digit = ch switch
            {
                >= '0' and <= '9' => ch - '0',
                >= 'a' and <= 'f' => ch - 'a' + 10,
                >= 'A' and <= 'F' => ch - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return -Errno.EINVAL;
            }

            UInt128 next = (UInt128)value * (uint)radix + (uint)digit;
            if (next > ulong.MaxValue)
            {
                return -ERange;
            }

            value = (ulong)next;
        }

        return 0;
    }

    /// <summary>kstrtouint(s, 0): as <see cref="ToULong"/>, -ERANGE past 32 bits.</summary>
    public static int ToUInt(string text, out uint value)
    {
        value = 0;
        int ret = ToULong(text, out ulong v);
        if (ret != 0)
        {
            return ret;
        }

        if (v > uint.MaxValue)
        {
            return -ERange;
        }

        value = (uint)v;
        return 0;
    }

    /// <summary>kstrtobool: y/Y/1/on true, n/N/0/off false (by the first one or two characters), else -EINVAL.</summary>
    public static int ToBool(string text, out bool value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = false;
        if (text.Length == 0)
        {
            return -Errno.EINVAL;
        }

        switch (text[0])
        {
            case 'y' or 'Y' or '1': value = true; return 0;
            case 'n' or 'N' or '0': value = false; return 0;
            case 'o' or 'O' when text.Length > 1:
                switch (text[1])
                {
                    case 'n' or 'N': value = true; return 0;
                    case 'f' or 'F': value = false; return 0;
                }

                break;
        }

        return -Errno.EINVAL;
    }

    /// <summary>ERANGE.</summary>
    public const int ERange = 34;

    /// <summary>Formats a number as the kernel's "%llu\n".</summary>
    public static byte[] Line(long value) => System.Text.Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture) + "\n");
}
