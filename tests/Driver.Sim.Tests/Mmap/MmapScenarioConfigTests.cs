using Driver.Reset.Mmap;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;

namespace Driver.Sim.Tests.Mmap;

public class MmapScenarioConfigTests
{
    private static string Scenario(string device) =>
        "{ \"name\": \"t\", \"clients\": [ { \"name\": \"a\" } ], \"phases\": [ { \"steps\": [ { \"type\": \"wedge\" } ] } ], " +
        "\"device\": " + device + " }";

    [Theory]
    [InlineData("glitch", MmapResetPolicy.Glitch)]
    [InlineData("stop-machine", MmapResetPolicy.StopMachine)]
    [InlineData("revoke", MmapResetPolicy.Revoke)]
    public void DeviceMmapResetPolicyReachesTheDeviceConfig(string name, MmapResetPolicy expected)
    {
        Scenario scenario = ScenarioLoader.Parse(Scenario($"{{ \"mmapResetPolicy\": \"{name}\" }}"), "t.json");
        Assert.Equal(expected, DeviceConfigFactory.Create(scenario.Device).MmapResetPolicy);
    }

    [Fact]
    public void LeftOutItIsRevoke()
    {
        Scenario scenario = ScenarioLoader.Parse(Scenario("{ \"heartbeatMs\": 100 }"), "t.json");
        Assert.Equal(MmapResetPolicy.Revoke, DeviceConfigFactory.Create(scenario.Device).MmapResetPolicy);
    }

    [Fact]
    public void AnUnknownNameIsAScenarioError()
    {
        ScenarioException e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(Scenario("{ \"mmapResetPolicy\": \"stop_machine\" }"), "bad.json"));
        Assert.Contains("$.device.mmapResetPolicy", e.Message);
    }
}
