using System.Text;
using System.Text.Json;

namespace Driver.Sim.Scenarios.Json;

/// <summary>
/// The strict syntax check of a scenario file, before it is deserialized: plain JSON (no comments, no trailing
/// commas), no key twice in one object and no null array element. JsonDocument and the serializer both keep the last of two duplicate keys
/// without a word, so a scenario that sets "heartbeatMs" twice would run with whichever came last. Problems are
/// reported as line, JSON path and a message in the author's terms; System.Text.Json's own messages (byte offsets,
/// "isFinalBlock", a byte that is not in the file) are not shown: the text at the error position is described.
/// </summary>
public static class JsonSyntax
{
    /// <summary>The first syntax problem in <paramref name="json"/>, or null when it is strict JSON.</summary>
    public static ScenarioError? Check(string json)
    {
        if (string.IsNullOrWhiteSpace(json.TrimStart('\uFEFF')))
        {
            return new ScenarioError("$", "the file is empty (a scenario is a JSON object)", 1);
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(json.TrimStart('\uFEFF'));
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        // One frame per open object (the keys seen in it, with their lines) or array (the index of the next element).
        var frames = new Stack<Frame>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                JsonTokenType token = reader.TokenType;
                if (token == JsonTokenType.PropertyName)
                {
                    property = reader.GetString()!;
                    Frame obj = frames.Peek();
                    long line = LineOf(utf8, reader.TokenStartIndex);
                    if (obj.Keys!.TryGetValue(property, out long first))
                    {
                        return new ScenarioError(obj.Path + Segment(property), $"duplicate key \"{property}\" (first on line {first})", line);
                    }

                    obj.Keys[property] = line;
                    continue;
                }
                // No list of a scenario holds nulls, and neither the serializer nor the validator expects one: found by
                // fuzzing, "phases": [ …, null ] reached the validator as a null phase and threw NullReferenceException.
                if (token == JsonTokenType.Null && frames.Count > 0 && frames.Peek().Keys is null)
                {
                    return new ScenarioError(ChildPath(frames, null), "an array element must not be null", LineOf(utf8, reader.TokenStartIndex));
                }

                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frames.Push(new Frame(ChildPath(frames, property), token == JsonTokenType.StartObject ? new Dictionary<string, long>(StringComparer.Ordinal) : null));
                    property = null;
                    continue;
                }
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    frames.Pop();
                }
                // A value is complete (a scalar, or the container just closed): an array's next one has the next index.
                property = null;
                if (frames.Count > 0 && frames.Peek().Keys is null)
                {
                    frames.Peek().Index++;
                }
            }
        }
        catch (JsonException e)
        {
            return Describe(utf8, e, ChildPath(frames, property));
        }
        return null;
    }

    /// <summary>Says what is wrong at the reader's error position, from the text there rather than the reader's message.</summary>
    private static ScenarioError Describe(byte[] utf8, JsonException e, string path)
    {
        long line = (e.LineNumber ?? 0) + 1;
        int offset = OffsetOf(utf8, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
        string rest = Encoding.UTF8.GetString(utf8, offset, Math.Min(utf8.Length - offset, 8));
        char previous = PreviousSignificant(utf8, offset);
        string message;
        if (rest.Trim().Length == 0)
        {
            message = "the file ends before the JSON does (an object or array is not closed, or a value is missing)";
        }
        else if (rest.StartsWith("//", StringComparison.Ordinal) || rest.StartsWith("/*", StringComparison.Ordinal))
        {
            message = "comments are not allowed in a scenario file (it is plain JSON)";
        }
        else if (rest[0] is '}' or ']' && previous == ',')
        {
            message = $"trailing comma before '{rest[0]}' (not allowed in JSON)";
        }
        else if (previous is '}' or ']' or '"' or 'e' or 'l' || char.IsAsciiDigit(previous))
        {
            message = $"expected ',' or the end of the object or array, found {Show(rest)}";
        }
        else
        {
            message = $"invalid JSON: unexpected {Show(rest)}";
        }
        return new ScenarioError(path, message, line);
    }

    /// <summary>What is at the error position: the character when printable, its code point when not.</summary>
    private static string Show(string rest)
    {
        char c = rest[0];
        return char.IsControl(c) || char.IsWhiteSpace(c) ? $"the control character U+{(int)c:X4}" : $"'{c}'";
    }

    private static char PreviousSignificant(byte[] utf8, int offset)
    {
        for (int i = offset - 1; i >= 0; i--)
        {
            if (utf8[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return (char)utf8[i];
            }
        }
        return '\0';
    }

    private static int OffsetOf(byte[] utf8, long line, long bytePositionInLine)
    {
        int offset = 0;
        for (long l = 0; l < line && offset < utf8.Length; offset++)
        {
            if (utf8[offset] == '\n')
            {
                l++;
            }
        }
        return (int)Math.Min(utf8.Length, offset + bytePositionInLine);
    }

    private static long LineOf(byte[] utf8, long index)
    {
        long line = 1;
        for (long i = 0; i < index && i < utf8.Length; i++)
        {
            if (utf8[i] == '\n')
            {
                line++;
            }
        }
        return line;
    }

    /// <summary>The path of the value that starts now: "$" at the top, "$.a.b" in an object, "$.a[2]" in an array.</summary>
    private static string ChildPath(Stack<Frame> frames, string? property)
    {
        if (frames.Count == 0)
        {
            return "$";
        }

        Frame parent = frames.Peek();
        if (parent.Keys is null)
        {
            return $"{parent.Path}[{parent.Index}]";
        }

        return property is null ? parent.Path : parent.Path + Segment(property);
    }

    /// <summary>".name", or "['odd key']" for a key that is not a plain name.</summary>
    private static string Segment(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? "." + key : $"['{key}']";

    private sealed class Frame(string path, Dictionary<string, long>? keys)
    {
        public string Path { get; } = path;

        public Dictionary<string, long>? Keys { get; } = keys;

        public int Index { get; set; }
    }
}
