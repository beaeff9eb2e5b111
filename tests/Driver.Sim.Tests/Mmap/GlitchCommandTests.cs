using System.CommandLine;
using System.Text.Json;
using Driver.Sim.Glitch;

namespace Driver.Sim.Tests.Mmap;

public class GlitchCommandTests
{
    [Theory]
    [InlineData("--policy", "bogus", "--policy must be one of glitch, stop-machine, revoke")]
    [InlineData("--policy", "Revoke", "--policy must be one of")]
    [InlineData("--seconds", "0", "--seconds must be")]
    [InlineData("--seconds", "-1", "--seconds must be")]
    [InlineData("--seconds", "abc", "--seconds must be")]
    [InlineData("--seconds", "NaN", "--seconds must be")]
    [InlineData("--threads", "0", "--threads must be")]
    [InlineData("--threads", "65", "--threads must be")]
    [InlineData("--threads", "1.5", "--threads must be")]
    [InlineData("--json", "/nonexistent-dir/x.json", "--json")]
    public void BadOptionValuesExitWithTwoAndSayWhy(string option, string value, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error };
        int exit = GlitchCommand.Build().Parse([option, value]).Invoke(config);
        Assert.Equal(GlitchCommand.UsageError, exit);
        Assert.Contains(message, error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void RunsAndWritesJsonWithExactlyTheDocumentedKeys()
    {
        string path = Path.Combine(Path.GetTempPath(), $"glitch-{Guid.NewGuid():N}.json");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int exit = GlitchCommand.Execute("revoke", "0.2", "1", path, output, error);
            Assert.Equal(0, exit);
            Assert.Equal("", error.ToString());
            Assert.Contains("policy: revoke", output.ToString());
            Assert.Contains("glitchedReads: 0", output.ToString());

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            string[] keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(["policy", "resets", "accesses", "glitchedReads", "misplacedWrites", "maxStallUs", "accessesPerSecond"], keys);
            Assert.Equal("revoke", doc.RootElement.GetProperty("policy").GetString());
            Assert.True(doc.RootElement.GetProperty("resets").GetInt32() > 0);
            Assert.True(doc.RootElement.GetProperty("accesses").GetInt64() > 0);
            Assert.Equal(0, doc.RootElement.GetProperty("glitchedReads").GetInt64());
            Assert.Equal(0, doc.RootElement.GetProperty("misplacedWrites").GetInt64());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
