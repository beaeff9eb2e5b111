using System.Text.Json;
using System.Text.Json.Serialization;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Scenarios.Json;

/// <summary>Reads <c>"all"</c> or an array of engine names; the names themselves are checked by validation.</summary>
public sealed class EngineSelectionConverter : JsonConverter<EngineSelection>
{
    /// <inheritdoc/>
    public override EngineSelection Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.GetString() == "all")
            {
                return EngineSelection.All;
            }

            throw new JsonException("expected \"all\" or an array of engine names");
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected \"all\" or an array of engine names");
        }

        var names = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("engine names must be strings");
            }

            names.Add(reader.GetString()!);
        }
        return new EngineSelection { Names = names };
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, EngineSelection value, JsonSerializerOptions options)
    {
        if (value.IsAll) { writer.WriteStringValue("all"); return; }
        writer.WriteStartArray();
        foreach (string n in value.Names)
        {
            writer.WriteStringValue(n);
        }

        writer.WriteEndArray();
    }
}
