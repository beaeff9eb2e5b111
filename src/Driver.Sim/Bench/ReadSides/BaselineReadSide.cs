namespace Driver.Sim.Bench.ReadSides;

/// <summary>The read sides the read-side benchmark compares, the GT's own among them.</summary>
internal enum BaselineReadSide
{
    /// <summary>The wedge strategy's own read side (the epoch section by default).</summary>
    Strategy,
    /// <summary>Nothing at all (<see cref="UnprotectedReadSide"/>).</summary>
    Unprotected,
    /// <summary>A ReaderWriterLockSlim (<see cref="RwLockReadSide"/>).</summary>
    ReaderWriterLock,
    /// <summary>A Monitor (<see cref="MonitorReadSide"/>).</summary>
    Monitor,
}
