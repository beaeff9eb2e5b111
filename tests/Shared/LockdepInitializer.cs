using System.Runtime.CompilerServices;

namespace Driver.Testing.Shared;

/// <summary>
/// Compiled into every test project: before the assembly's first test, the lock validator is on and a failed
/// Debug.Assert in the driver fails the test that hit it instead of ending the test host.
/// </summary>
internal static class LockdepInitializer
{
    [ModuleInitializer]
    internal static void Enable()
    {
        Driver.Testing.TestLockdep.Enable();
        Driver.Testing.ThrowingAssertListener.Install();
    }
}
