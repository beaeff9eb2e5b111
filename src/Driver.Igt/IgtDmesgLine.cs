namespace Driver.Igt;

/// <summary>One driver log line at warning level or above, as the subtest's "dmesg" holds it.</summary>
/// <param name="Priority">Kernel log priority: 2 critical, 3 error, 4 warning.</param>
/// <param name="Seconds">Seconds since the run started (the dmesg timestamp).</param>
/// <param name="Text">The rendered message.</param>
/// <param name="Expected">Whether the subtest provoked it on purpose (it then does not make the result dmesg-warn).</param>
public sealed record IgtDmesgLine(int Priority, double Seconds, string Text, bool Expected)
{
    /// <summary>The line as dmesg prints it: <c>&lt;4&gt;[   12.345678] text</c>.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"<{Priority}>[{Seconds,12:F6}] {Text}");
}
