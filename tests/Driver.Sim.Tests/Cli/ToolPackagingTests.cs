using System.Xml.Linq;
using Driver.Sim.Tests.Scenarios;

namespace Driver.Sim.Tests.Cli;

/// <summary>
/// gpusim is installable as a .NET tool named gpusim (issue 18: the docs call `gpusim` as if it were installed); the
/// README says how, and keeps `dotnet run` as the zero-install way.
/// </summary>
public sealed class ToolPackagingTests
{
    private static readonly string s_root = Directory.GetParent(ScenarioFiles.Directory)!.FullName;

    [Fact]
    public void TheProjectPacksAsATool()
    {
        XElement props = XDocument.Load(Path.Combine(s_root, "src", "Driver.Sim", "Driver.Sim.csproj")).Root!;

        Assert.Equal("true", props.Descendants("PackAsTool").Single().Value);
        Assert.Equal("gpusim", props.Descendants("ToolCommandName").Single().Value);
        Assert.Equal("gpusim", props.Descendants("PackageId").Single().Value);
    }

    [Fact]
    public void TheReadmeSaysHowToInstallItAndTheExitCodes()
    {
        string readme = File.ReadAllText(Path.Combine(s_root, "README.md"));

        Assert.Contains("dotnet pack src/Driver.Sim -o out && dotnet tool install --global --add-source out gpusim", readme);
        Assert.Contains("dotnet run --project src/Driver.Sim --", readme);
        foreach (string code in new[] { "| 0 |", "| 1 |", "| 2 |", "| 70 |", "| 77 |" })
        {
            Assert.Contains(code, readme);
        }
    }
}
