namespace Driver.Core.Sync;

/// <summary>PLACEHOLDER: a thread that can park at a safe point.</summary>
public interface IStoppable
{
    /// <summary>Name.</summary>
    string Name { get; }
    /// <summary>Park at the next safe point.</summary>
    bool Park(TimeSpan timeout);
    /// <summary>Resume.</summary>
    void Unpark();
}
