using Driver.Core.Errors;
using Driver.Sim.Scenarios.Model;
using Driver.Uapi;

namespace Driver.Sim.Runner;

/// <summary>A setDomain step: GEM_SET_DOMAIN on a shared buffer by the device or its peer, on a thread of its own.</summary>
internal sealed class SetDomainRunner(SetDomainStep spec, string name, RunSession session) : IStepRunner
{
    /// <inheritdoc/>
    public WorkloadTracker Tracker { get; } = new(name, spec.Kind, null, null);

    /// <inheritdoc/>
    public string? ThreadGroup => $"{spec.Device} set_domain {name}";

    /// <inheritdoc/>
    public void Prepare()
    {
    }

    /// <inheritdoc/>
    public void Execute()
    {
        SharedBuffer buf = session.SharedBuffers[spec.Buffer];
        bool peer = spec.Device == "peer";
        GpuDevice dev = peer ? session.Peer! : session.Device;
        session.Log.Information("{Step}: set-domain on {Buffer} by the {Device} ({Rule} rule)", Tracker.Name, spec.Buffer,
            spec.Device, dev.Config.ResetLockingRule);
        int err = dev.SetDomain(peer ? buf.PeerClient : buf.DeviceClient, peer ? buf.PeerHandle : buf.DeviceHandle, spec.Write,
            (long)TimeSpan.FromMilliseconds(spec.TimeoutMs).TotalNanoseconds);
        if (err != 0)
        {
            Tracker.Rejected(err);
            session.Log.Warning("{Step}: set-domain failed with {Errno}", Tracker.Name, Errno.Name(err));
        }
        else
        {
            Tracker.Succeeded = true;
        }
    }

    /// <inheritdoc/>
    public void Verify(StoreTally tally)
    {
    }

    /// <inheritdoc/>
    public void Finish()
    {
    }
}
