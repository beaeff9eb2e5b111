using System.Text;
using System.Text.Json;

namespace Driver.Igt;

/// <summary>
/// Writes a run as igt_runner's results.json (results_version 10): every test keyed igt@binary@subtest[@dynamic]
/// with result, out, err, dmesg (and dmesg-warnings when warnings counted), igt-version and time; totals per binary plus "" and "root"; the run's name, uname,
/// time_elapsed and per-binary runtimes.
/// </summary>
public static class IgtResultsWriter
{
    /// <summary>The results format version.</summary>
    public const int ResultsVersion = 10;

    /// <summary>Every result key the totals count, in igt_runner's order.</summary>
    public static readonly IReadOnlyList<string> ResultKeys =
        ["pass", "fail", "skip", "crash", "incomplete", "abort", "timeout", "notrun", "warn", "dmesg-warn", "dmesg-fail"];

    /// <summary>Writes DIR/results.json (creating DIR); returns the file's path.</summary>
    public static string WriteTo(string directory, IgtRunResult run, string name)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "results.json");
        File.WriteAllText(path, ToJson(run, name), new UTF8Encoding(false));
        return path;
    }

    /// <summary>The results.json text.</summary>
    public static string ToJson(IgtRunResult run, string name)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("__type__", "TestrunResult");
            w.WriteNumber("results_version", ResultsVersion);
            w.WriteString("name", name);
            w.WriteString("uname", IgtVersionInfo.Uname);
            w.WritePropertyName("time_elapsed");
            WriteTime(w, run.StartUnix, run.EndUnix);
            WriteTests(w, run);
            WriteTotals(w, run);
            WriteRuntimes(w, run);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteTests(Utf8JsonWriter w, IgtRunResult run)
    {
        w.WriteStartObject("tests");
        foreach (IgtTestRecord r in run.AllRecords)
        {
            w.WriteStartObject(r.Name);
            w.WriteString("out", r.Out);
            w.WriteString("err", r.Err);
            w.WriteString("dmesg", r.Dmesg);
            if (r.DmesgWarnings > 0)
            {
                // resultgen's add_dmesg: present only when warnings counted; override_result_single turns a pass or
                // warn into dmesg-warn and a fail into dmesg-fail by this field's presence.
                w.WriteString("dmesg-warnings", r.DmesgWarningsText);
            }
            w.WriteString("igt-version", r.IgtVersion);
            w.WriteString("result", r.RunnerResult);
            w.WritePropertyName("time");
            WriteTime(w, 0, r.Duration.TotalSeconds);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteTotals(Utf8JsonWriter w, IgtRunResult run)
    {
        var all = run.AllRecords.ToList();
        w.WriteStartObject("totals");
        WriteCounts(w, "", all);
        WriteCounts(w, "root", all);
        foreach (string? binary in all.Select(r => r.Binary).Distinct())
        {
            WriteCounts(w, $"igt@{binary}", all.Where(r => r.Binary == binary));
        }

        w.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter w, string key, IEnumerable<IgtTestRecord> records)
    {
        var counts = ResultKeys.ToDictionary(k => k, _ => 0);
        foreach (IgtTestRecord r in records)
        {
            counts[r.RunnerResult]++;
        }

        w.WriteStartObject(key);
        foreach (string k in ResultKeys)
        {
            w.WriteNumber(k, counts[k]);
        }

        w.WriteEndObject();
    }

    private static void WriteRuntimes(Utf8JsonWriter w, IgtRunResult run)
    {
        w.WriteStartObject("runtimes");
        foreach (IGrouping<string, IgtTestRecord> group in run.Records.GroupBy(r => r.Binary))
        {
            w.WriteStartObject($"igt@{group.Key}");
            w.WritePropertyName("time");
            WriteTime(w, 0, group.Sum(r => r.Duration.TotalSeconds));
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter w, double start, double end)
    {
        w.WriteStartObject();
        w.WriteString("__type__", "TimeAttribute");
        w.WriteNumber("start", start);
        w.WriteNumber("end", end);
        w.WriteEndObject();
    }
}
