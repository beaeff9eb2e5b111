using Driver.Sim.Cli;
using Driver.Sim.Drm;

namespace Driver.Sim.Tests.Cli;

/// <summary><c>gpusim serve</c>: a bad <c>--socket</c> is a usage error that leaves the user's files alone.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpusim-serve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ASocketPathNamingARegularFileIsRefusedAndTheFileKept()
    {
        // Only a stale socket may be unlinked before bind() (as any unix-socket server does): a --socket naming the
        // user's own file (a typo, a swapped argument) must not delete it. The token is cancelled, so a server that
        // did start returns at once instead of serving until Ctrl-C.
        string notes = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notes, "precious");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = ServeCommand.Run(notes, "probe", DrmDrivers.DefaultMemoryMb, null, stdout, stderr, new CancellationToken(canceled: true));

        Assert.True(File.Exists(notes), "serve --socket deleted the regular file it named");
        Assert.Equal("precious", File.ReadAllText(notes));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--socket", stderr.ToString());
        Gpusim.AssertNoInternals(stderr.ToString());
    }
}
