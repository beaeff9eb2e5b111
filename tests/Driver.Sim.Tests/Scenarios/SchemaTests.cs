using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Tests.Scenarios;

/// <summary>Keeps scenarios/scenario.schema.json in step with the model the loader reads.</summary>
public class SchemaTests
{
    public static TheoryData<string, Type> Definitions => new()
    {
        { "", typeof(Scenario) },
        { "device", typeof(DeviceSpec) },
        { "client", typeof(ClientSpec) },
        { "context", typeof(ContextSpec) },
        { "phase", typeof(PhaseSpec) },
        { "batchesStep", typeof(BatchesStep) },
        { "hangStep", typeof(HangStep) },
        { "wedgeStep", typeof(WedgeStep) },
        { "unwedgeStep", typeof(UnwedgeStep) },
        { "resetStep", typeof(ResetStep) },
        { "sleepStep", typeof(SleepStep) },
        { "setDomainStep", typeof(SetDomainStep) },
        { "sharedBuffer", typeof(SharedBufferSpec) },
        { "expect", typeof(ExpectSpec) },
        { "fenceExpect", typeof(FenceExpect) },
        { "engineExpect", typeof(EngineExpect) },
        { "resetsExpect", typeof(ResetsExpect) },
        { "checksExpect", typeof(ChecksExpect) },
        { "contextExpect", typeof(ContextExpect) },
    };

    [Theory]
    [MemberData(nameof(Definitions))]
    public void SchemaDefinitionListsExactlyTheModelsFields(string definition, Type model)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ScenarioFiles.Directory, "scenario.schema.json")));
        JsonElement node = definition == "" ? doc.RootElement : doc.RootElement.GetProperty("$defs").GetProperty(definition);

        string[] schemaFields = node.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToArray();
        string[] modelFields = model.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.CanWrite)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .Concat(model.IsSubclassOf(typeof(StepSpec)) ? ["type"] : [])
            .Order().ToArray();

        Assert.Equal(modelFields, schemaFields);
        Assert.False(node.GetProperty("additionalProperties").GetBoolean());
    }
}
