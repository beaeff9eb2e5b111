namespace Driver.Igt.Lib;

/// <summary>Running statistics over samples (lib/igt_stats.c): count, mean, standard deviation, min, median, max.</summary>
public sealed class IgtStats
{
    private readonly List<double> _values = new();

    /// <summary>Adds a sample.</summary>
    public void Push(double value) => _values.Add(value);

    /// <summary>Number of samples.</summary>
    public int Count => _values.Count;

    /// <summary>Arithmetic mean (0 when empty).</summary>
    public double Mean => _values.Count == 0 ? 0 : _values.Average();

    /// <summary>Population standard deviation (0 when empty).</summary>
    public double StdDev
    {
        get
        {
            if (_values.Count == 0)
            {
                return 0;
            }

            double mean = Mean;
            return Math.Sqrt(_values.Sum(v => (v - mean) * (v - mean)) / _values.Count);
        }
    }

    /// <summary>Smallest sample.</summary>
    public double Min => _values.Count == 0 ? 0 : _values.Min();

    /// <summary>Largest sample.</summary>
    public double Max => _values.Count == 0 ? 0 : _values.Max();

    /// <summary>Median (mean of the middle two for an even count).</summary>
    public double Median
    {
        get
        {
            if (_values.Count == 0)
            {
                return 0;
            }

            double[] sorted = _values.Order().ToArray();
            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }
}
