using System.Runtime.ExceptionServices;

namespace Driver.Testing;

/// <summary>A background thread whose exception (e.g. a failed Assert) is rethrown by <see cref="Join"/>.</summary>
public sealed class TestThread
{
    private readonly Thread _thread;
    private Exception? _error;

    private TestThread(Action body, string name)
    {
        _thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception ex)
            {
                _error = ex;
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
    }

    /// <summary>The underlying thread.</summary>
    public Thread Thread => _thread;

    /// <summary>Starts <paramref name="body"/> on a new background thread.</summary>
    public static TestThread Start(Action body, string name = "sync-test")
    {
        var thread = new TestThread(body, name);
        thread._thread.Start();
        return thread;
    }

    /// <summary>Joins within <see cref="TestTimeouts.Long"/> and rethrows whatever the thread threw.</summary>
    public void Join()
    {
        Assert.True(_thread.Join(TestTimeouts.Long), $"thread '{_thread.Name}' did not finish");
        if (_error is not null)
        {
            ExceptionDispatchInfo.Throw(_error);
        }
    }
}
