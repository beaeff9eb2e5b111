
namespace Driver.Sim.Tests.Layout;

/// <summary>The project references of the checkout follow <see cref="Layering"/>, and the rules can fail.</summary>
public class LayeringTests
{
    private static ProjectGraph Checkout() =>
        ProjectGraph.Load(RepoPaths.Root ?? throw new InvalidOperationException("the tests run outside a checkout"));

    [Fact]
    public void TheCheckoutsReferencesPointDownTheLayers()
    {
        ProjectGraph graph = Checkout();
        // Not vacuous: every source project and test project of the layout is there to be checked.
        foreach (string project in Layering.Ranks.Keys)
        {
            Assert.True(graph.References.ContainsKey(project), $"{project}.csproj not found");
        }

        Assert.Contains("Driver.Core.Tests", graph.References.Keys);
        IReadOnlyList<string> violations = Layering.Violations(graph);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void CoreTestsReachNoEngineAndNoVulkan()
    {
        ProjectGraph graph = Checkout();
        IReadOnlySet<string> reached = graph.Closure("Driver.Core.Tests");
        Assert.DoesNotContain("Driver.Engines", reached);
        Assert.DoesNotContain("Driver.Engines.Vulkan", reached);
        Assert.DoesNotContain(reached.Append("Driver.Core.Tests"), p => graph.Packages[p].Contains("Silk.NET.Vulkan"));
    }

    [Fact]
    public void AnUpwardReferenceIsReported()
    {
        var graph = new ProjectGraph(new Dictionary<string, IReadOnlyList<string>>
        {
            ["Driver.Core"] = [],
            ["Driver.Engines"] = ["Driver.Core", "Driver.Uapi"],
            ["Driver.Uapi"] = ["Driver.Engines"],
        });
        Assert.Equal(["Driver.Engines (rank 1) references Driver.Uapi (rank 3): references point down only"], Layering.Violations(graph));
    }

    [Fact]
    public void ResetNamingTheVulkanBackendIsReported()
    {
        var graph = new ProjectGraph(new Dictionary<string, IReadOnlyList<string>>
        {
            ["Driver.Reset"] = ["Driver.Engines.Vulkan"],
            ["Driver.Engines.Vulkan"] = [],
        });
        Assert.Single(Layering.Violations(graph), v => v.Contains("Driver.Reset (rank 2) references Driver.Engines.Vulkan (rank 2)"));
    }

    [Fact]
    public void ATestProjectReachingAboveItsLayerIsReported()
    {
        var graph = new ProjectGraph(new Dictionary<string, IReadOnlyList<string>>
        {
            ["Driver.Core.Tests"] = ["Driver.Core", "Driver.Testing.Devices"],
            ["Driver.Testing.Devices"] = ["Driver.Uapi"],
            ["Driver.Uapi"] = ["Driver.Core"],
            ["Driver.Core"] = [],
        });
        Assert.Contains("Driver.Core.Tests tests Driver.Core but reaches Driver.Uapi, a layer above or beside it", Layering.Violations(graph));
    }

    [Fact]
    public void SilkOutsideTheVulkanBackendIsReported()
    {
        var graph = new ProjectGraph(
            new Dictionary<string, IReadOnlyList<string>> { ["Driver.Engines"] = [] },
            new Dictionary<string, IReadOnlyList<string>> { ["Driver.Engines"] = ["Silk.NET.Vulkan"] });
        Assert.Equal(["Driver.Engines references package Silk.NET.Vulkan, which only Driver.Engines.Vulkan may"], Layering.Violations(graph));
    }
}
