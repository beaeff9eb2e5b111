namespace Driver.Igt.Subtests;

/// <summary>The ported IGT binaries, registered into one catalog in the order <c>gpusim igt --list-subtests</c> prints.</summary>
public static class IgtSuite
{
    private static readonly Lazy<IgtCatalog> s_catalog = new(() => new IgtCatalog(
    [
        new GemEio(), new I915Hangman(), new GemResetStats(), new GemExecFence(), new GemCtxPersistence(),
        new GemCtxExec(), new GemExecWhisper(), new GemExecNop(), new VgemBasic(), new VgemSlow(),
        new SelftestHangcheck(), new GemMmapGtt(), new GemUserptrBlits(), new PrimeBusy(),
    ]));

    /// <summary>Every subtest of the ported binaries.</summary>
    public static IgtCatalog Catalog => s_catalog.Value;
}
