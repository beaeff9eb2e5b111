using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Driver.Sim.Tracing;

/// <summary>
/// Writes a <see cref="TraceModel"/> in the Chrome trace-event JSON format, which the Perfetto UI
/// (ui.perfetto.dev) and chrome://tracing open: <c>{"traceEvents": [...]}</c> with "M" metadata events naming the
/// process and each track (thread_name, thread_sort_index), "X" complete events (ts, dur in µs) for slices, and "i"
/// instant events (scope "t" for a track, "g" for the whole trace).
/// </summary>
public static class ChromeTraceWriter
{
    /// <summary>The process id every track lives in.</summary>
    public const int ProcessId = 1;

    /// <summary>Writes the trace to <paramref name="path"/>.</summary>
    public static void WriteFile(TraceModel model, string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Write(model, stream);
    }

    /// <summary>The trace as a JSON string.</summary>
    public static string ToJson(TraceModel model)
    {
        using var stream = new MemoryStream();
        Write(model, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the trace to <paramref name="stream"/>.</summary>
    public static void Write(TraceModel model, Stream stream) => Write([model], model.Title, stream);

    /// <summary>
    /// Writes several traces (one per device, e.g. one per igt subtest) into one file, each as its own process
    /// (pid 1, 2, …) with its own tracks, named after its title; each keeps its own time origin.
    /// </summary>
    public static void WriteFile(IReadOnlyList<TraceModel> models, string title, string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Write(models, title, stream);
    }

    /// <summary>Writes several traces (see <see cref="WriteFile(IReadOnlyList{TraceModel}, string, string)"/>) to <paramref name="stream"/>.</summary>
    public static void Write(IReadOnlyList<TraceModel> models, string title, Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ms");
        w.WriteStartObject("otherData");
        w.WriteString("generator", "gpusim");
        w.WriteString("title", title);
        if (models.Count == 1 && models[0].Seed is { } seed)
        {
            w.WriteNumber("seed", seed);
        }

        w.WriteNumber("duration_us", Math.Round(models.Count == 0 ? 0 : models.Max(m => m.DurationUs), 3));
        w.WriteNumber("dropped_requests", models.Sum(m => m.DroppedRequests));
        w.WriteEndObject();

        w.WriteStartArray("traceEvents");
        for (int i = 0; i < models.Count; i++)
        {
            TraceModel model = models[i];
            t_pid = ProcessId + i;
            Metadata(w, "process_name", 0, "name", $"gpusim: {model.Title}" + (model.Seed is { } s ? $" (seed {s})" : ""));
            foreach (TraceTrack track in model.Tracks)
            {
                Metadata(w, "thread_name", track.Id, "name", track.Name);
                Metadata(w, "thread_sort_index", track.Id, "sort_index", track.SortIndex);
            }
            foreach (TraceSlice slice in model.Slices)
            {
                Slice(w, slice);
            }

            foreach (TraceInstant instant in model.Instants)
            {
                Instant(w, instant);
            }
        }
        t_pid = ProcessId;
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The pid of the model being written (one writer at a time per thread).</summary>
#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic] private static int t_pid;
#pragma warning restore IDE1006

    private static int Pid => t_pid == 0 ? ProcessId : t_pid;

    private static void Metadata(Utf8JsonWriter w, string name, int tid, string argName, object value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", Pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        Value(w, argName, value);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Slice(Utf8JsonWriter w, TraceSlice s)
    {
        w.WriteStartObject();
        w.WriteString("name", s.Name);
        w.WriteString("cat", s.Category);
        w.WriteString("ph", "X");
        w.WriteNumber("ts", Math.Round(s.StartUs, 3));
        w.WriteNumber("dur", Math.Round(s.DurationUs, 3));
        w.WriteNumber("pid", Pid);
        w.WriteNumber("tid", s.TrackId);
        Args(w, s.Args);
        w.WriteEndObject();
    }

    private static void Instant(Utf8JsonWriter w, TraceInstant i)
    {
        w.WriteStartObject();
        w.WriteString("name", i.Name);
        w.WriteString("cat", i.Category);
        w.WriteString("ph", "i");
        w.WriteString("s", i.Global ? "g" : "t");
        w.WriteNumber("ts", Math.Round(i.Us, 3));
        w.WriteNumber("pid", Pid);
        w.WriteNumber("tid", i.TrackId);
        Args(w, i.Args);
        w.WriteEndObject();
    }

    private static void Args(Utf8JsonWriter w, IReadOnlyDictionary<string, object> args)
    {
        w.WriteStartObject("args");
        foreach ((string? key, object? value) in args)
        {
            Value(w, key, value);
        }

        w.WriteEndObject();
    }

    private static void Value(Utf8JsonWriter w, string name, object value)
    {
        switch (value)
        {
            case string s: w.WriteString(name, s); break;
            case bool b: w.WriteBoolean(name, b); break;
            case int i: w.WriteNumber(name, i); break;
            case long l: w.WriteNumber(name, l); break;
            case uint u: w.WriteNumber(name, u); break;
            case double d: w.WriteNumber(name, d); break;
            default: w.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
