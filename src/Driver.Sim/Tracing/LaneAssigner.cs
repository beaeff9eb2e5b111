namespace Driver.Sim.Tracing;

/// <summary>
/// Spreads periods over as few lanes as needed so that no two on one lane overlap: trace viewers require the
/// complete events of one thread to nest, and two resets (or two pulses) may overlap in time.
/// </summary>
internal static class LaneAssigner
{
    /// <summary>The lane of each (start, end) period; periods must be given ordered by start.</summary>
    public static int[] Assign(IReadOnlyList<(double Start, double End)> periods)
    {
        var laneEnds = new List<double>();
        int[] lanes = new int[periods.Count];
        for (int i = 0; i < periods.Count; i++)
        {
            (double start, double end) = periods[i];
            int lane = laneEnds.FindIndex(e => e <= start);
            if (lane < 0)
            {
                lane = laneEnds.Count;
                laneEnds.Add(end);
            }
            else
            {
                laneEnds[lane] = end;
            }
            lanes[i] = lane;
        }
        return lanes;
    }
}
