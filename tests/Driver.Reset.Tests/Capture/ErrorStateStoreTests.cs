using Driver.Reset.Capture;

namespace Driver.Reset.Tests.Capture;

/// <summary>
/// The store keeps what i915 keeps: i915_error_state_store publishes a capture only if first_error is NULL (a
/// cmpxchg), so later hangs are logged but dropped; i915_reset_error_state (a write to the error file) clears it and
/// the next capture is kept.
/// </summary>
public class ErrorStateStoreTests
{
    private static GpuErrorState State(int id, string reason) =>
        new(id, DateTime.UnixEpoch, reason, 1, null, []);

    [Fact]
    public void OnlyTheFirstErrorIsKept()
    {
        var store = new ErrorStateStore();
        Assert.Null(store.First);

        GpuErrorState first = store.Add(id => State(id, "first"));
        GpuErrorState second = store.Add(id => State(id, "second"));

        Assert.Same(first, store.First);
        Assert.Equal("second", second.Reason);
        Assert.Equal(2, second.Id);
        Assert.Equal(2, store.TotalCaptured);
    }

    [Fact]
    public void ClearingLetsTheNextErrorIn()
    {
        var store = new ErrorStateStore();
        store.Add(id => State(id, "first"));

        store.Clear();
        Assert.Null(store.First);
        store.Add(id => State(id, "after clear"));

        Assert.Equal("after clear", store.First!.Reason);
        Assert.Equal(2, store.TotalCaptured);
    }
}
