using Driver.Core.Resv;

namespace Driver.Sim.Runner;

/// <summary>A shared buffer of a run: its handle on the device (in its client) and on the peer (in the peer's client).</summary>
internal sealed record SharedBuffer(string Name, int DeviceClient, int DeviceHandle, int PeerClient, int PeerHandle, DmaResv Resv);
