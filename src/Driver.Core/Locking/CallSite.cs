using System.Diagnostics;
using System.Text;

namespace Driver.Core.Locking;

/// <summary>
/// A captured call stack, the lockdep "trace". Captured only on a validator slow path (a new lock chain or a report),
/// so the steady state walks no stacks. Frames inside Driver.Core.Locking itself are hidden, like the kernel hiding
/// lock_acquire/__mutex_lock.
/// </summary>
internal sealed class CallSite
{
    private const string OwnNamespace = "Driver.Core.Locking";
    private const int MaxFrames = 16;
    private const string FrameIndent = "       ";

    private readonly StackTrace _trace;
    private string? _top;
    private string? _frames;

    private CallSite(StackTrace trace) => _trace = trace;

    /// <summary>Captures the caller's stack (no file/line information: that is the slow part).</summary>
    public static CallSite Capture() => new(new StackTrace(1, false));

    /// <summary>The innermost frame outside the locking code, e.g. "Driver.Reset.ResetPath.Run+0x1c": the kernel's "at:" ip.</summary>
    public string Top
    {
        get
        {
            // Benign race: two threads may format the same string; both results are equal.
            _top ??= FormatFrames(1).TrimStart();
            return _top;
        }
    }

    /// <summary>All frames outside the locking code, one per line, indented like a lockdep trace.</summary>
    public string Frames
    {
        get
        {
            _frames ??= FormatFrames(MaxFrames);
            return _frames;
        }
    }

    private string FormatFrames(int max)
    {
        var text = new StringBuilder();
        int printed = 0;
        for (int i = 0; i < _trace.FrameCount && printed < max; i++)
        {
            StackFrame? frame = _trace.GetFrame(i);
            System.Reflection.MethodBase? method = frame?.GetMethod();
            if (method is null || method.DeclaringType?.Namespace == OwnNamespace)
            {
                continue;
            }

            if (printed > 0)
            {
                text.Append('\n');
            }

            string type = method.DeclaringType?.FullName ?? "<global>";
            int il = frame!.GetILOffset();
            text.Append(FrameIndent).Append(type).Append('.').Append(method.Name);
            if (il >= 0)
            {
                text.Append("+0x").Append(il.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            }

            printed++;
        }

        return printed == 0 ? FrameIndent + "<unknown>" : text.ToString();
    }
}
