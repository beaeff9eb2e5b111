using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Driver.Igt;

namespace Driver.Sim.Drm;

/// <summary>
/// Turns a real IGT binary's console output into results: "Starting subtest: NAME" opens a subtest, "Subtest NAME:
/// RESULT (Ts)" closes it (the same for dynamic subtests inside it); what was printed in between is its out/err. A
/// subtest still open when the process ends is a crash (igt_runner says incomplete), or a timeout when gpusim stopped
/// the binary.
/// </summary>
internal sealed partial class IgtOutputParser(string binary)
{
    private readonly Lock _lock = new();
    private readonly List<IgtTestRecord> _records = [];
    private Open? _subtest;
    private Open? _dynamic;

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();

    // igt_info lines may carry igt's "(binary:pid) domain-LEVEL: " prefix.
    [GeneratedRegex(@"^(?:\([^)]*\) \S+: )?Starting (subtest|dynamic subtest): (.+)$")]
    private static partial Regex Starting();

    [GeneratedRegex(@"^(?:\([^)]*\) \S+: )?(Subtest|Dynamic subtest) (.+): ([A-Z]+) \(([0-9.]+)s\)$")]
    private static partial Regex Finished();

    /// <summary>One line of stdout (<paramref name="isError"/> false) or stderr.</summary>
    public void Line(string line, bool isError)
    {
        string plain = Ansi().Replace(line, "");
        // Orders the two streams' readers: each line lands in the subtest open when it was read.
        lock (_lock)
        {
            (_dynamic ?? _subtest)?.Append(plain, isError);
            if (_dynamic is not null && _subtest is not null && !ReferenceEquals(_dynamic, _subtest))
            {
                _subtest.Append(plain, isError);
            }
            if (isError)
            {
                return;
            }
            if (Starting().Match(plain) is { Success: true } s)
            {
                if (s.Groups[1].Value == "subtest")
                {
                    _subtest = new Open(s.Groups[2].Value);
                    _subtest.Append(plain, false);
                }
                else if (_subtest is not null)
                {
                    _dynamic = new Open(s.Groups[2].Value);
                    _dynamic.Append(plain, false);
                }
            }
            else if (Finished().Match(plain) is { Success: true } f)
            {
                IgtResult result = Parse(f.Groups[3].Value);
                var time = TimeSpan.FromSeconds(double.Parse(f.Groups[4].Value, CultureInfo.InvariantCulture));
                if (f.Groups[1].Value == "Subtest" && _subtest is not null && _subtest.Name == f.Groups[2].Value)
                {
                    _records.Add(_subtest.Close(binary, null, result, time));
                    _subtest = null;
                    _dynamic = null;
                }
                else if (_dynamic is not null && _subtest is not null && _dynamic.Name == f.Groups[2].Value)
                {
                    _subtest.Dynamic.Add(_dynamic.Close(binary, _subtest.Name, result, time));
                    _dynamic = null;
                }
                else if (f.Groups[1].Value == "Subtest" && _subtest is null)
                {
                    // A subtest that never started: its fixture failed or skipped first (igt reports each one).
                    _records.Add(new Open(f.Groups[2].Value).Close(binary, null, result, time));
                }
            }
        }
    }

    /// <summary>The results so far; a subtest still open becomes <paramref name="unfinished"/>.</summary>
    public IReadOnlyList<IgtTestRecord> Records(IgtResult unfinished)
    {
        lock (_lock)
        {
            var all = new List<IgtTestRecord>(_records);
            if (_subtest is not null)
            {
                if (_dynamic is not null)
                {
                    _subtest.Dynamic.Add(_dynamic.Close(binary, _subtest.Name, unfinished, _dynamic.Elapsed));
                }
                all.Add(_subtest.Close(binary, null, unfinished, _subtest.Elapsed));
            }
            return all;
        }
    }

    private static IgtResult Parse(string result) => result switch
    {
        "SUCCESS" => IgtResult.Success,
        "SKIP" => IgtResult.Skip,
        "CRASH" => IgtResult.Crash,
        "TIMEOUT" => IgtResult.Timeout,
        _ => IgtResult.Fail,
    };

    private sealed class Open(string name)
    {
        private readonly StringBuilder _out = new();
        private readonly StringBuilder _err = new();
        private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();

        public string Name { get; } = name;

        public List<IgtTestRecord> Dynamic { get; } = [];

        public TimeSpan Elapsed => System.Diagnostics.Stopwatch.GetElapsedTime(_start);

        public void Append(string line, bool isError) => (isError ? _err : _out).Append(line).Append('\n');

        public IgtTestRecord Close(string binary, string? parent, IgtResult result, TimeSpan time) => new()
        {
            Name = parent is null ? $"igt@{binary}@{Name}" : $"igt@{binary}@{parent}@{Name}",
            Binary = binary,
            Result = result,
            Out = _out.ToString(),
            Err = _err.ToString(),
            Duration = time,
            IgtVersion = "",
            Dynamic = [.. Dynamic],
        };
    }
}
