using System.Runtime.CompilerServices;

namespace Driver.Testing.Shared;

/// <summary>Compiled into every test project: the validator is on before the assembly's first test runs.</summary>
internal static class LockdepInitializer
{
    [ModuleInitializer]
    internal static void Enable() => Driver.Testing.TestLockdep.Enable();
}
