using Driver.Core.Sync;

namespace Driver.Core.Tests.Sync;

/// <summary>A participant that never reaches a safe point: every Park waits out its timeout and fails.</summary>
internal sealed class RefusingParticipant(string name) : IStoppable
{
    private readonly ManualResetEventSlim _never = new(false);
    private int _parkCalls;
    private int _unparkCalls;

    public string Name { get; } = name;

    public int ParkCalls => Volatile.Read(ref _parkCalls);

    public int UnparkCalls => Volatile.Read(ref _unparkCalls);

    public bool Park(TimeSpan timeout)
    {
        Interlocked.Increment(ref _parkCalls);
        return _never.Wait(timeout);
    }

    public void Unpark() => Interlocked.Increment(ref _unparkCalls);
}
