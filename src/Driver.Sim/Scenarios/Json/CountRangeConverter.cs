using System.Text.Json;
using System.Text.Json.Serialization;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Scenarios.Json;

/// <summary>Reads a <see cref="CountRange"/>: a non-negative integer, <c>"all"</c>, or <c>{"min": n, "max": n}</c>.</summary>
public sealed class CountRangeConverter : JsonConverter<CountRange>
{
    private const string Expected = "expected a count: a non-negative integer, \"all\", or {\"min\": n, \"max\": n}";

    /// <inheritdoc/>
    public override CountRange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return CountRange.Exactly(ReadCount(ref reader));
            case JsonTokenType.String when reader.GetString() == "all":
                return new CountRange { IsAll = true };
            case JsonTokenType.StartObject:
                int? min = null, max = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    if (name == "min")
                    {
                        min = ReadCount(ref reader);
                    }
                    else if (name == "max")
                    {
                        max = ReadCount(ref reader);
                    }
                    else
                    {
                        throw new JsonException($"unknown field '{name}' in a count range (expected min, max)");
                    }
                }
                if (min is null && max is null)
                {
                    throw new JsonException("a count range needs min or max");
                }

                if (min > max)
                {
                    throw new JsonException($"count range min {min} is above max {max}");
                }

                return new CountRange { Min = min, Max = max };
            default:
                throw new JsonException(Expected);
        }
    }

    private static int ReadCount(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int n) || n < 0)
        {
            throw new JsonException(Expected);
        }

        return n;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, CountRange value, JsonSerializerOptions options)
    {
        if (value.IsAll) { writer.WriteStringValue("all"); return; }
        if (value.Min == value.Max && value.Min is { } n) { writer.WriteNumberValue(n); return; }
        writer.WriteStartObject();
        if (value.Min is { } lo)
        {
            writer.WriteNumber("min", lo);
        }

        if (value.Max is { } hi)
        {
            writer.WriteNumber("max", hi);
        }

        writer.WriteEndObject();
    }
}
